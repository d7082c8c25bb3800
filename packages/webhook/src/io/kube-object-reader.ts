import { HushError } from "@hush/errors";
import { KubeClient, kubeErrorCode, loadKubeConfig, resourcePath } from "@hush/kube/client";
import type { CustomObjectRef, ObjectReader } from "../cached-facts.js";

/** Options of {@link createKubeObjectReader}. */
export interface KubeObjectReaderOptions {
  /** A kubeconfig file; in-cluster or `$KUBECONFIG`/`~/.kube/config` when omitted. */
  readonly kubeconfigPath?: string;
  /** Per-lookup deadline; the webhook itself has only a few seconds. Default 2 s. */
  readonly timeoutMs?: number;
}

/**
 * The Kubernetes edge of the facts lookups: `get` on a namespaced custom object, through
 * `@hush/kube`'s client (the one Kubernetes edge the controller uses too).
 *
 * @throws HushError `HUSH_ERR_WEBHOOK_KUBECONFIG` when no usable configuration loads; the
 *   returned reader rejects with `HUSH_ERR_WEBHOOK_LOOKUP` naming the status, never the body.
 */
export function createKubeObjectReader(options: KubeObjectReaderOptions = {}): ObjectReader {
  let client: KubeClient;
  try {
    client = new KubeClient(loadKubeConfig(options.kubeconfigPath ? { kubeconfigPath: options.kubeconfigPath } : {}));
  } catch (cause) {
    const where = options.kubeconfigPath ? `the kubeconfig ${options.kubeconfigPath}` : "the in-cluster or default kubeconfig";
    throw new HushError("HUSH_ERR_WEBHOOK_KUBECONFIG", `cannot load ${where}`, { cause });
  }
  return objectReaderFor(client, options.timeoutMs ?? 2_000);
}

/** An {@link ObjectReader} over an existing client (shared with `auditCluster`). */
export function objectReaderFor(client: KubeClient, timeoutMs: number): ObjectReader {
  return async (ref: CustomObjectRef) => {
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      // 404 resolves undefined: the object does not exist.
      return await client.get<unknown>(resourcePath({ group: ref.group, version: ref.version, plural: ref.plural, namespace: ref.namespace, name: ref.name }), signal);
    } catch (err) {
      // Only the status is kept: response bodies and client messages stay out of admission answers.
      const what = `get ${ref.plural}.${ref.group} ${ref.namespace}/${ref.name}`;
      const code = kubeErrorCode(err);
      const why = signal.aborted
        ? `${what} timed out after ${timeoutMs} ms`
        : code === "HUSH_ERR_KUBE_FORBIDDEN"
          ? `the API server refused to ${what} (HTTP 401/403; check the webhook's RBAC)`
          : code === "HUSH_ERR_KUBE_API" && err instanceof Error && !err.message.includes("cannot reach")
            ? `the API server answered ${what} with an error`
            : code !== undefined
              ? `the API server rejected ${what}`
              : `the API server could not be reached to ${what}`;
      throw new HushError("HUSH_ERR_WEBHOOK_LOOKUP", why, { cause: err });
    }
  };
}
