import { HushError } from "@hush/errors";
import { generatorApiVersionOf, type ApiFlavour, type ExternalSecretGeneratorRef, type PasswordGeneratorSpec } from "@hush/kube";

/**
 * The randomness a generator draws on, injected so the generators stay pure: the runtime passes
 * {@link cryptoRandomness}, tests a seeded or scripted source.
 */
export interface Randomness {
  /** A uniformly distributed integer in `[0, maxExclusive)`, with no modulo bias. */
  int(maxExclusive: number): number;
  /** A random (version 4) UUID in its canonical lower-case text form. */
  uuid(): string;
}

/** The generator kinds hush implements (ESO's names); `ClusterGenerator` wraps one of the others. */
export const generatorKinds = ["Password", "UUID", "VaultDynamicSecret", "Fake", "ECRAuthorizationToken", "STSSessionToken", "ClusterGenerator"] as const;

/** The generator kinds that call AWS (see `runAwsGenerator` in `@hush/providers/aws`). */
export const awsGeneratorKinds = ["ECRAuthorizationToken", "STSSessionToken"] as const;
export type AwsGeneratorKind = (typeof awsGeneratorKinds)[number];

/** True for a generator kind that calls AWS. */
export function isAwsGeneratorKind(kind: string): kind is AwsGeneratorKind {
  return (awsGeneratorKinds as readonly string[]).includes(kind);
}
export type GeneratorKind = (typeof generatorKinds)[number];

/** True when hush implements generator `kind`. */
export function isGeneratorKind(kind: string): kind is GeneratorKind {
  return (generatorKinds as readonly string[]).includes(kind);
}

/** The longest password a Password generator may produce; a longer one is refused, not truncated. */
export const maxPasswordLength = 4096;
/** The longest `symbolCharacters` accepted (the CRD declares the same bound). */
export const maxSymbolCharacters = 1024;

// ESO v0.16.2 pkg/generator/password (github.com/sethvargo/go-password v0.3.1).
const lowerLetters = "abcdefghijklmnopqrstuvwxyz";
const upperLetters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const digitCharacters = "0123456789";
/** ESO's default `symbolCharacters`. */
export const defaultSymbolCharacters = "~!@#$%^&*()_+`-={}|[]\\:\"<>?,./";
/** ESO's default length. */
export const defaultPasswordLength = 24;

const fail = (message: string): never => {
  throw new HushError("HUSH_ERR_CONTROLLER_GENERATOR", message);
};

/**
 * The counts and character sets a Password spec resolves to, as ESO resolves them: a length of
 * 0 or less means 24; `digits` and `symbols` default to a quarter of the length each (rounded
 * down); an empty or absent `symbolCharacters` means ESO's default set.
 */
export function resolvePasswordSpec(spec: PasswordGeneratorSpec): { length: number; digits: number; symbols: number; letters: string; symbolCharacters: string; allowRepeat: boolean } {
  const isInt = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v);
  for (const f of ["length", "digits", "symbols"] as const) {
    if (spec[f] !== undefined && !isInt(spec[f])) fail(`Password spec.${f} must be an integer`);
  }
  const length = spec.length !== undefined && spec.length > 0 ? spec.length : defaultPasswordLength;
  if (length > maxPasswordLength) fail(`Password spec.length ${length} exceeds the maximum of ${maxPasswordLength}`);
  // ESO: int(float32(length) * 0.25), exact for every length up to the bound.
  const digits = spec.digits ?? Math.floor(length / 4);
  const symbols = spec.symbols ?? Math.floor(length / 4);
  // ESO would lengthen the password past `length` for a negative count; refused instead.
  if (digits < 0) fail("Password spec.digits must not be negative");
  if (symbols < 0) fail("Password spec.symbols must not be negative");
  const symbolCharacters = spec.symbolCharacters ? spec.symbolCharacters : defaultSymbolCharacters;
  if (symbolCharacters.length > maxSymbolCharacters) fail(`Password spec.symbolCharacters is longer than ${maxSymbolCharacters} characters`);
  // ESO picks single bytes, so a multi-byte character would be split into invalid UTF-8.
  for (let i = 0; i < symbolCharacters.length; i++) {
    const c = symbolCharacters.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) fail("Password spec.symbolCharacters must be printable ASCII");
  }
  return { length, digits, symbols, letters: spec.noUpper ? lowerLetters : lowerLetters + upperLetters, symbolCharacters, allowRepeat: spec.allowRepeat === true };
}

/**
 * A password as ESO's Password generator makes one: `length - digits - symbols` letters, then
 * `digits` digits, then `symbols` symbols, each character drawn uniformly from its set and
 * inserted at a uniformly drawn position. Without `allowRepeat` no character appears twice in
 * the whole password (across the sets, as ESO checks it). ESO redraws a repeated character
 * until it finds an unused one; drawing uniformly among the unused entries of the set is the
 * same distribution and always ends: when no unused entry is left (e.g. a symbol set that
 * overlaps the letters) it fails instead of looping.
 */
export function generatePassword(spec: PasswordGeneratorSpec, random: Pick<Randomness, "int">): string {
  const r = resolvePasswordSpec(spec);
  const letterCount = r.length - r.digits - r.symbols;
  if (letterCount < 0) fail("Password: number of digits and symbols must be less than total length");
  if (!r.allowRepeat) {
    if (letterCount > r.letters.length) fail("Password: number of letters exceeds available letters and repeats are not allowed");
    if (r.digits > digitCharacters.length) fail("Password: number of digits exceeds available digits and repeats are not allowed");
    if (r.symbols > r.symbolCharacters.length) fail("Password: number of symbols exceeds available symbols and repeats are not allowed");
  }
  const out: string[] = [];
  const used = new Set<string>();
  const draw = (set: string, count: number, what: string) => {
    for (let i = 0; i < count; i++) {
      const candidates = r.allowRepeat ? set : [...set].filter((c) => !used.has(c)).join("");
      if (candidates.length === 0) fail(`Password: no unused ${what} left and repeats are not allowed`);
      const ch = candidates[random.int(candidates.length)]!;
      used.add(ch);
      out.splice(out.length === 0 ? 0 : random.int(out.length + 1), 0, ch);
    }
  };
  draw(r.letters, letterCount, "letter");
  draw(digitCharacters, r.digits, "digit");
  draw(r.symbolCharacters, r.symbols, "symbol");
  return out.join("");
}

/** What a generator produced: ESO's keys (`password`, `uuid`), values as bytes. */
export type Generated = Record<string, Uint8Array>;

/**
 * Runs a local generator `kind` on the object's `spec`. Keys are ESO's: a Password yields
 * `password`, a UUID yields `uuid`, a Fake its `spec.data` as they are. Throws `HUSH_ERR_CONTROLLER_GENERATOR` for a spec that
 * cannot produce a value and `HUSH_ERR_CONTROLLER_INVALID_SPEC` for any other kind (a
 * VaultDynamicSecret calls Vault: see `vault-dynamic.ts`; ECRAuthorizationToken and
 * STSSessionToken call AWS: see `runAwsGenerator` in `@hush/providers/aws`).
 */
export function runGenerator(kind: string, spec: unknown, random: Randomness): Generated {
  const enc = (s: string) => new TextEncoder().encode(s);
  switch (kind) {
    case "Password": {
      if (spec !== undefined && (typeof spec !== "object" || spec === null || Array.isArray(spec))) fail("Password spec must be an object");
      return { password: enc(generatePassword((spec ?? {}) as PasswordGeneratorSpec, random)) };
    }
    case "UUID":
      return { uuid: enc(random.uuid()) };
    case "Fake":
      return fakeData(spec);
    default:
      throw new HushError("HUSH_ERR_CONTROLLER_INVALID_SPEC", `generator kind ${JSON.stringify(kind.slice(0, 64))} is not supported by hush (supported: ${generatorKinds.join(", ")})`);
  }
}

/**
 * Which resource a `generatorRef` names under `flavour`: only the flavour's generator group
 * (`apiVersion` defaults to it) and only the kinds hush implements. Anything else is an
 * invalid spec (the CRD refuses it at admission too). The name is looked up in the
 * ExternalSecret's own namespace only (the ref has no namespace field to point elsewhere),
 * except a `ClusterGenerator`, which is cluster-scoped: see {@link clusterGeneratorTarget}.
 */
export function generatorResource(ref: ExternalSecretGeneratorRef, flavour: ApiFlavour, where: string): { kind: GeneratorKind; plural: string; name: string } {
  const want = generatorApiVersionOf(flavour);
  const apiVersion = ref.apiVersion ?? want;
  if (apiVersion !== want) throw new HushError("HUSH_ERR_CONTROLLER_INVALID_SPEC", `${where}.apiVersion must be ${want}`);
  if (!isGeneratorKind(ref.kind)) {
    throw new HushError("HUSH_ERR_CONTROLLER_INVALID_SPEC", `${where}.kind ${JSON.stringify(String(ref.kind).slice(0, 64))} is not supported by hush (supported: ${generatorKinds.join(", ")})`);
  }
  if (typeof ref.name !== "string" || ref.name === "") throw new HushError("HUSH_ERR_CONTROLLER_INVALID_SPEC", `${where}.name is required`);
  const plurals: Record<GeneratorKind, string> = {
    Password: "passwords",
    UUID: "uuids",
    VaultDynamicSecret: "vaultdynamicsecrets",
    Fake: "fakes",
    ECRAuthorizationToken: "ecrauthorizationtokens",
    STSSessionToken: "stssessiontokens",
    ClusterGenerator: "clustergenerators",
  };
  return { kind: ref.kind, plural: plurals[ref.kind], name: ref.name };
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * A Fake generator's keys: `spec.data` as it is (ESO's `pkg/generator/fake`). A value that is
 * not a string is refused (ESO's typed decode fails on it too).
 */
export function fakeData(spec: unknown): Generated {
  if (!isObject(spec)) return fail("Fake spec must be an object");
  const data = spec["data"];
  const out: Generated = {};
  if (data === undefined || data === null) return out;
  if (!isObject(data)) return fail("Fake spec.data must be a map of strings");
  for (const [k, v] of Object.entries(data)) {
    if (typeof v !== "string") fail("Fake spec.data must be a map of strings");
    // defineProperty: a key named __proto__ stays a key, never the prototype.
    Object.defineProperty(out, k, { value: new TextEncoder().encode(v as string), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * The kinds a ClusterGenerator may wrap in hush. Not VaultDynamicSecret: a ClusterGenerator
 * is read for ExternalSecrets of every namespace, and its Vault credential refs would be
 * resolved in the referencing tenant's namespace (ESO's behaviour), so a tenant would run an
 * admin-written Vault request with its own or, with an admin-named namespace, someone else's
 * credentials. Refused until that has the ClusterSecretStore rules (CRD rule too).
 * ECRAuthorizationToken is allowed (ESO's cluster-wide pull secret): its credential refs are
 * read in the referencing ExternalSecret's namespace only, so a tenant gets a token for its own
 * identity, or for the controller's when the admin wrote no `auth`.
 */
export const clusterGeneratorKinds = ["Password", "UUID", "Fake", "ECRAuthorizationToken"] as const;

/** The `spec.generator` member holding the settings of each kind (ESO's field names). */
const clusterSpecField: Record<(typeof clusterGeneratorKinds)[number], string> = { Password: "passwordSpec", UUID: "uuidSpec", Fake: "fakeSpec", ECRAuthorizationToken: "ecrAuthorizationTokenSpec" };

/**
 * The generator a ClusterGenerator stands for, as ESO's "virtual" namespaced generator:
 * `spec.kind` and the settings in `spec.generator.<kind>Spec`. Refuses a kind hush does not
 * run inside a ClusterGenerator and a kind whose settings are missing (ESO: "when kind is X,
 * XSpec must be set").
 */
export function clusterGeneratorTarget(spec: unknown, where: string): { kind: (typeof clusterGeneratorKinds)[number]; spec: unknown } {
  if (!isObject(spec)) return fail(`${where}: ClusterGenerator spec must be an object`);
  const kind = spec["kind"];
  if (typeof kind !== "string" || !(clusterGeneratorKinds as readonly string[]).includes(kind)) {
    throw new HushError("HUSH_ERR_CONTROLLER_INVALID_SPEC", `${where}: ClusterGenerator spec.kind ${JSON.stringify(String(kind).slice(0, 64))} is not supported by hush (supported: ${clusterGeneratorKinds.join(", ")})`);
  }
  const k = kind as (typeof clusterGeneratorKinds)[number];
  const field = clusterSpecField[k];
  const generator = spec["generator"];
  const inner = isObject(generator) ? generator[field] : undefined;
  if (!isObject(inner)) return fail(`${where}: invalid ClusterGenerator: when kind is ${k}, spec.generator.${field} must be set`);
  return { kind: k, spec: inner };
}
