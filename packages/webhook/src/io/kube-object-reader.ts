import { ApiException, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { HushError } from "@hush/errors";
import type { CustomObjectRef, ObjectReader } from "../cached-facts.js";

/** Options of {@link createKubeObjectReader}. */
export interface KubeObjectReaderOptions {
  /** A kubeconfig file; in-cluster or `$KUBECONFIG`/`~/.kube/config` when omitted. */
  readonly kubeconfigPath?: string;
  /** Per-lookup deadline; the webhook itself has only a few seconds. Default 2 s. */
  readonly timeoutMs?: number;
}

/**
 * The Kubernetes edge of the facts lookups: `get` on a namespaced custom object.
 *
 * @throws HushError `HUSH_ERR_WEBHOOK_KUBECONFIG` when no usable configuration loads; the
 *   returned reader rejects with `HUSH_ERR_WEBHOOK_LOOKUP` naming the status, never the body.
 */
export function createKubeObjectReader(options: KubeObjectReaderOptions = {}): ObjectReader {
  const kc = new KubeConfig();
  let api: CustomObjectsApi;
  try {
    if (options.kubeconfigPath) kc.loadFromFile(options.kubeconfigPath);
    else kc.loadFromDefault();
    api = kc.makeApiClient(CustomObjectsApi);
  } catch (cause) {
    const where = options.kubeconfigPath ? `the kubeconfig ${options.kubeconfigPath}` : "the in-cluster or default kubeconfig";
    throw new HushError("HUSH_ERR_WEBHOOK_KUBECONFIG", `cannot load ${where}`, { cause });
  }
  const timeoutMs = options.timeoutMs ?? 2_000;
  const timedOut = new Error("lookup timed out");

  return async (ref: CustomObjectRef) => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(timedOut), timeoutMs);
    });
    try {
      return await Promise.race([
        api.getNamespacedCustomObject({ group: ref.group, version: ref.version, namespace: ref.namespace, plural: ref.plural, name: ref.name }),
        deadline,
      ]);
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return undefined;
      // Only the status is kept: response bodies and client messages stay out of admission answers.
      const what = `get ${ref.plural}.${ref.group} ${ref.namespace}/${ref.name}`;
      const why =
        err instanceof ApiException
          ? err.code === 401 || err.code === 403
            ? `the API server refused to ${what} (HTTP ${err.code}; check the webhook's RBAC)`
            : `the API server answered HTTP ${err.code} to ${what}`
          : err === timedOut
            ? `${what} timed out after ${timeoutMs} ms`
            : `the API server could not be reached to ${what}`;
      throw new HushError("HUSH_ERR_WEBHOOK_LOOKUP", why, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  };
}
