import type { KeyObject } from "node:crypto";
import { HushError } from "@hush/errors";
import { hybridEncrypt, type RandomBytes } from "./crypto.js";
import {
  clusterWideAnnotation,
  namespaceWideAnnotation,
  sealedSecretApiVersion,
  type ObjectMeta,
  type SealedSecret,
  type SecretManifest,
} from "./manifest.js";

/** How far a sealed value may move: kubeseal's `--scope`. */
export type SealingScope = "strict" | "namespace-wide" | "cluster-wide";

/** The scopes, in kubeseal's order. */
export const sealingScopes: readonly SealingScope[] = ["strict", "namespace-wide", "cluster-wide"];

/**
 * The RSA-OAEP label binding a value to its scope: `namespace/name` (strict), `namespace`
 * (namespace-wide) or empty (cluster-wide). The controller recomputes it from the SealedSecret,
 * so a value moved to another name or namespace does not decrypt.
 */
export function encryptionLabel(namespace: string, name: string, scope: SealingScope): Uint8Array {
  const text = scope === "cluster-wide" ? "" : scope === "namespace-wide" ? namespace : `${namespace}/${name}`;
  return new Uint8Array(Buffer.from(text, "utf8"));
}

/** The scope an object's annotations declare (cluster-wide wins over namespace-wide, as upstream). */
export function scopeOf(meta: ObjectMeta): SealingScope {
  if (meta.annotations?.[clusterWideAnnotation] === "true") return "cluster-wide";
  if (meta.annotations?.[namespaceWideAnnotation] === "true") return "namespace-wide";
  return "strict";
}

/** Annotations with the scope annotations set for `scope` (and the others removed). */
export function withScopeAnnotations(annotations: Readonly<Record<string, string>> | undefined, scope: SealingScope): Record<string, string> {
  const out = { ...annotations };
  delete out[namespaceWideAnnotation];
  delete out[clusterWideAnnotation];
  if (scope === "namespace-wide") out[namespaceWideAnnotation] = "true";
  if (scope === "cluster-wide") out[clusterWideAnnotation] = "true";
  return out;
}

/** Options of {@link sealSecret}. */
export interface SealOptions {
  /** The controller's public key (see `parseSealingCert`). */
  readonly publicKey: KeyObject;
  readonly random: RandomBytes;
  /** kubeseal's `--scope`; `strict` (the default) leaves the Secret's own scope annotations in charge. */
  readonly scope?: SealingScope;
  /** kubeseal's `--name`: replaces the Secret's name. */
  readonly name?: string;
  /** Namespace for a Secret that has none (kubeseal takes the kube context's namespace). */
  readonly defaultNamespace?: string;
  /** Replaces the namespace outright (used by merge-into, as upstream). */
  readonly forceNamespace?: string;
  /** kubeseal's `--allow-empty-data`. */
  readonly allowEmptyData?: boolean;
}

// Annotations in which kubectl/kubecfg keep a full copy of the applied object: sealing them
// would publish the Secret in clear (upstream issue #227).
const lastApplied = ["kubectl.kubernetes.io/last-applied-configuration", "kubecfg.ksonnet.io/last-applied-configuration"];
// Read-only server-side fields that must not travel into the template.
const serverFields = ["selfLink", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "ownerReferences"];

/**
 * Seals one Secret as `kubeseal` does: each `data`/`stringData` value is hybrid-encrypted
 * on its own, with the label of the Secret's scope; `spec.template` carries the Secret's
 * metadata (minus server-side fields, owner references and last-applied annotations), type and
 * `immutable`; the SealedSecret's own metadata carries name, namespace and scope annotations.
 * @throws `HUSH_ERR_SEALED_EMPTY_DATA`, `HUSH_ERR_SEALED_MISSING_NAME`, `HUSH_ERR_SEALED_MISSING_NAMESPACE`
 */
export function sealSecret(secret: SecretManifest, options: SealOptions): SealedSecret {
  const data = secret.data ?? {};
  const stringData = secret.stringData ?? {};
  if (Object.keys(data).length === 0 && Object.keys(stringData).length === 0 && !options.allowEmptyData) {
    throw new HushError("HUSH_ERR_SEALED_EMPTY_DATA", "the Secret has no data or stringData; assuming this is a mistake");
  }
  const meta: ObjectMeta = { ...secret.metadata };
  if (options.name) meta.name = options.name;
  if (!meta.name) throw new HushError("HUSH_ERR_SEALED_MISSING_NAME", "the Secret has no metadata.name");
  if (options.forceNamespace) meta.namespace = options.forceNamespace;
  if (options.scope && options.scope !== "strict") meta.annotations = withScopeAnnotations(meta.annotations, options.scope);
  const scope = scopeOf(meta);
  if (scope !== "cluster-wide" && !meta.namespace) {
    if (!options.defaultNamespace) throw new HushError("HUSH_ERR_SEALED_MISSING_NAMESPACE", `the Secret ${meta.name} has no namespace, which the ${scope} scope needs`);
    meta.namespace = options.defaultNamespace;
  }
  for (const f of serverFields) delete meta[f];
  if (meta.annotations) {
    const annotations = { ...meta.annotations };
    for (const a of lastApplied) delete annotations[a];
    meta.annotations = annotations;
  }
  const label = encryptionLabel(meta.namespace ?? "", meta.name, scope);
  const encryptedData: Record<string, string> = {};
  const seal = (key: string, value: Uint8Array): void => {
    encryptedData[key] = Buffer.from(hybridEncrypt(options.publicKey, value, label, options.random)).toString("base64");
  };
  for (const [k, v] of Object.entries(data)) seal(k, Buffer.from(v, "base64"));
  // stringData wins over data for the same key, as the API server merges them.
  for (const [k, v] of Object.entries(stringData)) seal(k, Buffer.from(v, "utf8"));

  const template: SealedSecret["spec"]["template"] = { metadata: meta };
  if (secret.type) template.type = secret.type;
  if (secret.immutable !== undefined) template.immutable = secret.immutable;
  const ssMeta: ObjectMeta = { name: meta.name };
  if (meta.namespace) ssMeta.namespace = meta.namespace;
  const scopeAnnotations = withScopeAnnotations(undefined, scope);
  if (Object.keys(scopeAnnotations).length > 0) ssMeta.annotations = scopeAnnotations;
  return { apiVersion: sealedSecretApiVersion, kind: "SealedSecret", metadata: ssMeta, spec: { template, encryptedData } };
}

/** Options of {@link sealRaw}. */
export interface SealRawOptions {
  readonly publicKey: KeyObject;
  readonly random: RandomBytes;
  readonly scope: SealingScope;
  readonly name?: string;
  readonly namespace?: string;
}

/**
 * Seals one value as `kubeseal --raw` does, returning the base64 ciphertext to paste into
 * `spec.encryptedData`. Strict needs name and namespace; namespace-wide needs the namespace.
 * @throws `HUSH_ERR_SEALED_MISSING_NAME`, `HUSH_ERR_SEALED_MISSING_NAMESPACE`
 */
export function sealRaw(value: Uint8Array, options: SealRawOptions): string {
  if (options.scope !== "cluster-wide" && !options.namespace) throw new HushError("HUSH_ERR_SEALED_MISSING_NAMESPACE", `--raw with --scope ${options.scope} needs --namespace`);
  if (options.scope === "strict" && !options.name) throw new HushError("HUSH_ERR_SEALED_MISSING_NAME", "--raw with --scope strict needs --name");
  const label = encryptionLabel(options.namespace ?? "", options.name ?? "", options.scope);
  return Buffer.from(hybridEncrypt(options.publicKey, value, label, options.random)).toString("base64");
}

/**
 * Seals `secrets` into an existing SealedSecret, as `kubeseal --merge-into`: each Secret is
 * sealed under the existing object's name and namespace, then its encrypted values and its
 * template labels and annotations are merged over the existing ones. Unlike kubeseal, a Secret
 * that names no scope takes the existing object's scope, and a different scope is refused
 * (mixing scopes yields an object the controller cannot unseal).
 * @throws `HUSH_ERR_SEALED_INVALID_INPUT` on a scope mismatch; whatever {@link sealSecret} throws.
 */
export function mergeInto(existing: SealedSecret, secrets: readonly SecretManifest[], options: Omit<SealOptions, "name" | "forceNamespace">): SealedSecret {
  const existingScope = scopeOf(existing.metadata);
  const name = existing.metadata.name;
  if (!name) throw new HushError("HUSH_ERR_SEALED_MISSING_NAME", "the SealedSecret to merge into has no metadata.name");
  const merged: SealedSecret = structuredClone(existing);
  for (const secret of secrets) {
    const declared = options.scope && options.scope !== "strict" ? options.scope : hasScopeAnnotation(secret.metadata) ? scopeOf(secret.metadata) : existingScope;
    if (declared !== existingScope) throw new HushError("HUSH_ERR_SEALED_INVALID_INPUT", `the SealedSecret is ${existingScope} but the new values would be sealed ${declared}`, { hint: "pass --scope matching the existing SealedSecret" });
    const update = sealSecret(secret, {
      ...options,
      scope: declared,
      name,
      ...(existing.metadata.namespace ? { forceNamespace: existing.metadata.namespace } : {}),
    });
    Object.assign(merged.spec.encryptedData, update.spec.encryptedData);
    const t = update.spec.template.metadata;
    const mt = merged.spec.template.metadata;
    if (t.annotations) mt.annotations = { ...mt.annotations, ...t.annotations };
    if (t.labels) mt.labels = { ...mt.labels, ...t.labels };
  }
  return merged;
}

function hasScopeAnnotation(meta: ObjectMeta): boolean {
  return meta.annotations?.[clusterWideAnnotation] === "true" || meta.annotations?.[namespaceWideAnnotation] === "true";
}
