import { HushError } from "@hush/errors";
import type { VaultRequest } from "@hush/providers";
import type { Generated } from "./generators.js";

/** `VaultDynamicSecret` generator `spec` (ESO `generators.external-secrets.io/v1alpha1`). */
export interface VaultDynamicSecretSpec {
  /** A Vault provider block, as in a SecretStore's `spec.provider.vault`. */
  provider?: unknown;
  path?: string;
  /** `GET` (default), `LIST`, `DELETE`, or any write method (`POST`, `PUT`). */
  method?: string;
  /** The JSON body of a write. */
  parameters?: unknown;
  /** Which part of the response becomes the keys: `Data` (default), `Auth` or `Raw`. */
  resultType?: "Data" | "Auth" | "Raw";
  /** An empty response yields no keys instead of an error. */
  allowEmptyResponse?: boolean;
  retrySettings?: { maxRetries?: number; retryInterval?: string };
}

const fail = (message: string): never => {
  throw new HushError("HUSH_ERR_CONTROLLER_GENERATOR", message);
};
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** The Vault request a VaultDynamicSecret spec asks for; refuses a spec without path or provider. */
export function vaultDynamicRequest(spec: unknown): { provider: unknown; request: VaultRequest; retrySettings?: { maxRetries?: number; retryInterval?: string } } {
  if (!isObject(spec)) return fail("VaultDynamicSecret spec must be an object");
  const s = spec as VaultDynamicSecretSpec;
  if (!isObject(s.provider)) fail("VaultDynamicSecret spec.provider is required");
  if (typeof s.path !== "string" || s.path === "") fail("VaultDynamicSecret spec.path is required");
  if (s.parameters !== undefined && s.parameters !== null && !isObject(s.parameters)) fail("VaultDynamicSecret spec.parameters must be an object");
  return {
    provider: s.provider,
    request: { path: s.path!, ...(s.method ? { method: s.method } : {}), ...(isObject(s.parameters) ? { parameters: s.parameters } : {}) },
    ...(isObject(s.retrySettings) ? { retrySettings: s.retrySettings } : {}),
  };
}

/**
 * JSON as Go's `encoding/json` marshals a decoded value: object keys sorted, `<`, `>`, `&`,
 * U+2028 and U+2029 escaped. (Numbers print as JavaScript prints them, which is Go's format
 * for every float64.)
 */
export function goMarshal(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (isObject(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])]));
    return v;
  };
  let text = JSON.stringify(sorted(value) ?? null);
  for (const [ch, esc] of [["<", "\\u003c"], [">", "\\u003e"], ["&", "\\u0026"], ["\u2028", "\\u2028"], ["\u2029", "\\u2029"]] as const) text = text.split(ch).join(esc);
  return text;
}

/** A float64 as Go's `strconv.FormatFloat(f, 'f', -1, 64)`: shortest digits, never an exponent. */
export function formatFloatF(n: number): string {
  const s = String(n);
  const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, int, frac = "", expText] = m;
  const digits = int! + frac;
  const point = int!.length + Number(expText);
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** ESO's `GetByteValue`: strings raw, numbers in full, booleans as words, null empty, the rest as Go JSON. */
function byteValue(v: unknown): Uint8Array {
  const text =
    typeof v === "string" ? v
    : typeof v === "number" ? formatFloatF(v)
    : typeof v === "boolean" ? String(v)
    : v === null || v === undefined ? ""
    : goMarshal(v);
  return new TextEncoder().encode(text);
}

// hashicorp/vault/api v1.16 (ESO v0.16.2's): the fields of Secret and SecretAuth, in order.
const secretFields = ["request_id", "lease_id", "lease_duration", "renewable", "data", "warnings", "auth", "wrap_info", "mount_type"] as const;
const authFields: readonly [string, "string" | "strings" | "map" | "bool" | "int" | "any"][] = [
  ["client_token", "string"], ["accessor", "string"], ["policies", "strings"], ["token_policies", "strings"], ["identity_policies", "strings"],
  ["metadata", "map"], ["orphan", "bool"], ["entity_id", "string"], ["lease_duration", "int"], ["renewable", "bool"], ["mfa_requirement", "any"],
];

/** A field as decoding into its Go type and encoding back leaves it: absent or wrong-typed → the zero value. */
function asGo(v: unknown, t: "string" | "strings" | "map" | "bool" | "int" | "any"): unknown {
  switch (t) {
    case "string":
      return typeof v === "string" ? v : "";
    case "strings":
      return Array.isArray(v) ? v : null;
    case "map":
      return isObject(v) ? v : null;
    case "bool":
      return v === true;
    case "int":
      return typeof v === "number" ? Math.trunc(v) : 0;
    default:
      return v ?? null;
  }
}

/** `Secret.Auth` as ESO reads it (`json.Marshal(result.Auth)` decoded into a map). */
function authMap(auth: unknown): Record<string, unknown> {
  if (!isObject(auth)) return {};
  return Object.fromEntries(authFields.map(([k, t]) => [k, asGo(auth[k], t)]));
}

/**
 * The keys a VaultDynamicSecret yields from Vault's parsed response, as ESO v0.16.2 builds them
 * (`pkg/generator/vault`): `Data` the response's `data` (or the whole body when it has none
 * of a secret's fields, as the Vault Go client parses it), `Auth` its `auth` block, `Raw` the
 * whole response; each member becomes a key, its value converted as ESO's `GetByteValue`. An
 * empty response is an error unless `allowEmptyResponse`.
 */
export function vaultDynamicResult(spec: VaultDynamicSecretSpec, response: unknown): Generated {
  if (response === null || response === undefined) {
    if (spec.allowEmptyResponse === true) return {};
    return fail("VaultDynamicSecret: unable to get dynamic secret: empty response from Vault");
  }
  if (!isObject(response)) return fail("VaultDynamicSecret: Vault's response is not a JSON object");
  const hasSecretFields = secretFields.some((k) => {
    const v = response[k];
    return v !== undefined && v !== null && v !== "" && v !== 0 && v !== false && !(Array.isArray(v) && v.length === 0);
  });
  let data: Record<string, unknown>;
  switch (spec.resultType ?? "Data") {
    case "Auth":
      data = authMap(response["auth"]);
      break;
    case "Raw": {
      const raw: Record<string, unknown> = {
        request_id: asGo(response["request_id"], "string"),
        lease_id: asGo(response["lease_id"], "string"),
        lease_duration: asGo(response["lease_duration"], "int"),
        renewable: asGo(response["renewable"], "bool"),
        data: isObject(response["data"]) ? response["data"] : hasSecretFields ? null : response,
        warnings: asGo(response["warnings"], "strings"),
      };
      if (isObject(response["auth"])) raw["auth"] = authMap(response["auth"]);
      if (isObject(response["wrap_info"])) raw["wrap_info"] = response["wrap_info"];
      if (typeof response["mount_type"] === "string" && response["mount_type"] !== "") raw["mount_type"] = response["mount_type"];
      data = raw;
      break;
    }
    case "Data":
      data = isObject(response["data"]) ? response["data"] : hasSecretFields ? {} : response;
      break;
    default:
      return fail(`VaultDynamicSecret spec.resultType must be Data, Auth or Raw`);
  }
  const out: Generated = {};
  for (const [k, v] of Object.entries(data)) Object.defineProperty(out, k, { value: byteValue(v), enumerable: true, writable: true, configurable: true });
  return out;
}
