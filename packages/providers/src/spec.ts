import { providerError } from "./provider-error.js";
import type { ProviderContext } from "./provider.js";

/** A plain JSON object from a SecretStore spec. */
export type SpecObject = Record<string, unknown>;

/** ESO's `SecretKeySelector`: `{ name, key, namespace? }`. */
export interface SecretKeySelector {
  name: string;
  key: string;
  namespace?: string;
}

/** ESO's `ServiceAccountSelector`: `{ name, namespace?, audiences? }`. */
export interface ServiceAccountSelector {
  name: string;
  namespace?: string;
  audiences?: string[];
}

/** `value` as an object, or an invalid-config error naming `field`. */
export function asObject(value: unknown, field: string): SpecObject {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw providerError("invalid-config", `${field} must be an object`);
  }
  return value as SpecObject;
}

/** `obj[name]` as an object when present. */
export function optionalObject(obj: SpecObject, name: string, field: string): SpecObject | undefined {
  const value = obj[name];
  return value === undefined || value === null ? undefined : asObject(value, `${field}.${name}`);
}

/** `obj[name]` as a non-empty string when present. */
export function optionalString(obj: SpecObject, name: string, field: string): string | undefined {
  const value = obj[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value === "") {
    throw providerError("invalid-config", `${field}.${name} must be a non-empty string`);
  }
  return value;
}

/** `obj[name]` as a non-empty string. */
export function requiredString(obj: SpecObject, name: string, field: string): string {
  const value = optionalString(obj, name, field);
  if (value === undefined) throw providerError("invalid-config", `${field}.${name} is required`);
  return value;
}

/** `obj[name]` as a string array when present. */
export function optionalStrings(obj: SpecObject, name: string, field: string): string[] | undefined {
  const value = obj[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw providerError("invalid-config", `${field}.${name} must be a list of strings`);
  }
  return value as string[];
}

/** Parses a `SecretKeySelector` at `obj[name]` when present. */
export function optionalSecretRef(obj: SpecObject, name: string, field: string): SecretKeySelector | undefined {
  const sel = optionalObject(obj, name, field);
  if (!sel) return undefined;
  const path = `${field}.${name}`;
  const ns = optionalString(sel, "namespace", path);
  return { name: requiredString(sel, "name", path), key: requiredString(sel, "key", path), ...(ns ? { namespace: ns } : {}) };
}

/** Parses a required `SecretKeySelector`. */
export function requiredSecretRef(obj: SpecObject, name: string, field: string): SecretKeySelector {
  const sel = optionalSecretRef(obj, name, field);
  if (!sel) throw providerError("invalid-config", `${field}.${name} is required`);
  return sel;
}

/** Parses a `ServiceAccountSelector` at `obj[name]` when present. */
export function optionalServiceAccountRef(
  obj: SpecObject,
  name: string,
  field: string,
): ServiceAccountSelector | undefined {
  const sel = optionalObject(obj, name, field);
  if (!sel) return undefined;
  const path = `${field}.${name}`;
  const ns = optionalString(sel, "namespace", path);
  const audiences = optionalStrings(sel, "audiences", path);
  return {
    name: requiredString(sel, "name", path),
    ...(ns ? { namespace: ns } : {}),
    ...(audiences ? { audiences } : {}),
  };
}

/**
 * The namespace a credential reference is read from: its own `namespace` on a
 * ClusterSecretStore, else the context namespace. A namespaced SecretStore may not reach into
 * another namespace (ESO rejects that too).
 */
export function refNamespace(ctx: ProviderContext, ref: { namespace?: string }, field: string): string {
  if (ref.namespace === undefined || ref.namespace === ctx.namespace) {
    if (ctx.namespace === "") {
      throw providerError("invalid-config", `${field}.namespace is required on a ClusterSecretStore`);
    }
    return ctx.namespace;
  }
  if (ctx.storeKind !== "ClusterSecretStore") {
    throw providerError("invalid-config", `${field}.namespace must be empty on a namespaced SecretStore`);
  }
  return ref.namespace;
}

/**
 * Refuses the host's own cloud identity (a store without `auth`) on a namespaced SecretStore
 * unless the host opted in ({@link ProviderContext.allowAmbientCredentials}).
 *
 * @throws `HUSH_ERR_PROVIDERS_INVALID_CONFIG` naming `field`.
 */
export function assertAmbientAllowed(ctx: ProviderContext, field: string): void {
  if (ctx.storeKind === "ClusterSecretStore" || ctx.allowAmbientCredentials === true) return;
  throw providerError(
    "invalid-config",
    `${field} is required on a namespaced SecretStore: the controller's own cloud identity serves ClusterSecretStores only (unless the controller runs with --allow-ambient-credentials)`,
  );
}

/** Reads the credential a `SecretKeySelector` points at, as text. */
export async function readSecretRef(ctx: ProviderContext, ref: SecretKeySelector, field: string): Promise<string> {
  const ns = refNamespace(ctx, ref, field);
  let bytes: Uint8Array;
  try {
    bytes = await ctx.readSecret(ns, ref.name, ref.key);
  } catch (err) {
    if ((err as { code?: unknown } | null)?.code?.toString().startsWith("HUSH_ERR_PROVIDERS_")) throw err;
    throw providerError("invalid-config", `${field}: cannot read key "${ref.key}" of secret ${ns}/${ref.name}`, err);
  }
  return new TextDecoder().decode(bytes).trim();
}

/** Requests a ServiceAccount token through the context, or fails with invalid-config. */
export async function serviceAccountToken(
  ctx: ProviderContext,
  sa: ServiceAccountSelector,
  defaultAudiences: string[],
  field: string,
): Promise<string> {
  if (!ctx.serviceAccountToken) {
    throw providerError("invalid-config", `${field}: this host cannot issue service account tokens`);
  }
  const ns = refNamespace(ctx, sa, field);
  try {
    return await ctx.serviceAccountToken(ns, sa.name, sa.audiences ?? defaultAudiences);
  } catch (err) {
    throw providerError("access-denied", `${field}: cannot get a token for service account ${ns}/${sa.name}`, err);
  }
}
