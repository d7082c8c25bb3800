import type { Secret } from "@hush/kube";
import { kubeErrorCode, resourcePath, type KubeClient } from "@hush/kube/client";
import { assertWritableSecret, type SecretAction } from "./plan-secret.js";

/** What a write did. `exists`: a create found the Secret already there (plan again against it). */
export type WriteOutcome = "ok" | "exists";

const applyContentType = "application/apply-patch+yaml";

/**
 * Performs the one write a plan asks for, under the ExternalSecret's own field manager. A
 * create is a plain create, so it can never land on a Secret that appeared meanwhile (the API
 * server answers AlreadyExists and the caller plans again against it); an update is a
 * server-side apply of this ExternalSecret's fields, conditional on the planned
 * `resourceVersion`; a delete is conditional on the Secret's `uid`. The privileged-type check
 * runs once more right before the request.
 */
export class SecretWriter {
  readonly #client: KubeClient;
  /** `namespace/name` → resourceVersion of our last write, so its watch event is not a drift. */
  readonly #ours = new Map<string, string>();
  writes = 0;

  constructor(client: KubeClient) {
    this.#client = client;
  }

  /** True when `secret` is exactly what this process last wrote (its watch echo). */
  isOwnWrite(secret: Secret): boolean {
    return this.#ours.get(`${secret.metadata.namespace}/${secret.metadata.name}`) === secret.metadata.resourceVersion;
  }

  /** Forgets a deleted Secret. */
  forget(namespace: string, name: string): void {
    this.#ours.delete(`${namespace}/${name}`);
  }

  async write(namespace: string, action: SecretAction, existingType?: string): Promise<WriteOutcome> {
    if (action.type === "none") return "ok";
    const path = (name: string) => resourcePath({ version: "v1", plural: "secrets", namespace, name });
    if (action.type === "delete") {
      await this.#client
        .request("DELETE", path(action.name), { body: { apiVersion: "v1", kind: "DeleteOptions", ...(action.uid ? { preconditions: { uid: action.uid } } : {}) } })
        .catch((err: unknown) => {
          if (kubeErrorCode(err) !== "HUSH_ERR_KUBE_NOT_FOUND") throw err;
        });
      this.forget(namespace, action.name);
      this.writes++;
      return "ok";
    }
    assertWritableSecret(action.secret, existingType);
    const name = action.secret.metadata.name ?? "";
    let written: Secret;
    if (action.type === "create") {
      try {
        written = await this.#client.request<Secret>("POST", resourcePath({ version: "v1", plural: "secrets", namespace }), { body: action.secret, query: { fieldManager: action.fieldManager } });
      } catch (err) {
        if (kubeErrorCode(err) === "HUSH_ERR_KUBE_CONFLICT") return "exists";
        throw err;
      }
    } else {
      written = await this.#client.request<Secret>("PATCH", path(name), {
        body: action.secret,
        contentType: applyContentType,
        query: { fieldManager: action.fieldManager, force: true },
      });
    }
    const leftover = action.type === "update" ? (action.prune ?? []).filter((k) => Object.hasOwn(written.data ?? {}, k)) : [];
    if (leftover.length > 0) {
      // Still claimed by another entry (the create, or a manager from before): remove them
      // explicitly, on the version just written.
      written = await this.#client.request<Secret>("PATCH", path(name), {
        body: { metadata: { resourceVersion: written.metadata.resourceVersion }, data: Object.fromEntries(leftover.map((k) => [k, null])) },
        contentType: "application/merge-patch+json",
        query: { fieldManager: action.fieldManager },
      });
    }
    if (written.metadata.resourceVersion) this.#ours.set(`${namespace}/${name}`, written.metadata.resourceVersion);
    this.writes++;
    return "ok";
  }
}
