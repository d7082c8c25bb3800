import type { KubeObject, SecretStore } from "@hush/kube";
import { resourcePath, type KubeClient } from "@hush/kube/client";

/**
 * Current labels of namespaces, for ClusterSecretStore `conditions`: read when needed, never
 * cached past the reads in flight (a relabelled namespace is seen at the next reconcile), and
 * one read shared by every reconcile asking meanwhile.
 */
export class NamespaceLabels {
  readonly #client: KubeClient;
  readonly #reads = new Map<string, Promise<Record<string, string>>>();

  constructor(client: KubeClient) {
    this.#client = client;
  }

  /** The labels of `namespace` (none when it does not exist). */
  read(namespace: string): Promise<Record<string, string>> {
    let p = this.#reads.get(namespace);
    if (!p) {
      p = this.#client
        .get<KubeObject>(resourcePath({ version: "v1", plural: "namespaces", name: namespace }))
        .then((ns) => ns?.metadata.labels ?? {})
        .finally(() => this.#reads.delete(namespace));
      this.#reads.set(namespace, p);
    }
    return p;
  }

  /**
   * The labels `resolveStore` needs to admit `namespace` to `store`: read only for a
   * ClusterSecretStore whose conditions select namespaces by label, none otherwise.
   */
  forStore(ref: { kind?: string }, store: SecretStore | undefined, namespace: string): Promise<Record<string, string>> {
    const needsLabels = ref.kind === "ClusterSecretStore" && (store?.spec.conditions ?? []).some((c) => c.namespaceSelector);
    return needsLabels ? this.read(namespace) : Promise.resolve({});
  }
}
