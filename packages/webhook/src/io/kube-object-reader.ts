import { ApiException, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import type { CustomObjectRef, ObjectReader } from "../cached-facts.js";

/** Options of {@link createKubeObjectReader}. */
export interface KubeObjectReaderOptions {
  /** A kubeconfig file; in-cluster or `$KUBECONFIG`/`~/.kube/config` when omitted. */
  readonly kubeconfigPath?: string;
  /** Per-lookup deadline; the webhook itself has only a few seconds. Default 2 s. */
  readonly timeoutMs?: number;
}

/** The Kubernetes edge of the facts lookups: `get` on a namespaced custom object. */
export function createKubeObjectReader(options: KubeObjectReaderOptions = {}): ObjectReader {
  const kc = new KubeConfig();
  if (options.kubeconfigPath) kc.loadFromFile(options.kubeconfigPath);
  else kc.loadFromDefault();
  const api = kc.makeApiClient(CustomObjectsApi);
  const timeoutMs = options.timeoutMs ?? 2_000;

  return async (ref: CustomObjectRef) => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("lookup timed out")), timeoutMs);
    });
    try {
      return await Promise.race([
        api.getNamespacedCustomObject({ group: ref.group, version: ref.version, namespace: ref.namespace, plural: ref.plural, name: ref.name }),
        deadline,
      ]);
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return undefined;
      throw err;
    } finally {
      clearTimeout(timer);
    }
  };
}
