import { kubeErrorCode, type KubeClient } from "@hush/kube/client";
import type { Result } from "./worker-loop.js";

/**
 * Sets an object's finalizer list with a merge patch conditional on the resourceVersion seen, so
 * a finalizer another controller adds meanwhile is kept: a conflict requeues, a vanished object
 * is done, anything else throws to the worker loop's backoff.
 */
export async function patchFinalizers(
  client: KubeClient,
  path: string,
  resourceVersion: string | undefined,
  finalizers: readonly string[],
  fieldManager?: string,
): Promise<Result> {
  try {
    await client.request("PATCH", path, {
      body: { metadata: { resourceVersion, finalizers } },
      contentType: "application/merge-patch+json",
      ...(fieldManager ? { query: { fieldManager } } : {}),
    });
  } catch (err) {
    const code = kubeErrorCode(err);
    if (code === "HUSH_ERR_KUBE_NOT_FOUND") return {};
    if (code === "HUSH_ERR_KUBE_CONFLICT") return { requeue: true };
    throw err;
  }
  return {};
}
