import { HushError } from "@hush/errors";
import type { ExternalSecret, PushSecret, PushSecretData } from "@hush/kube";
import { secretAsJson } from "@hush/providers";
import { renderSecret, TemplateBudget, type TemplateSources } from "./template.js";

/**
 * The pure part of a PushSecret sync (ESO v0.16 `pkg/controllers/pushsecret`): what the source
 * Secret becomes after the template, which value goes to which store and remote key, which
 * remote entries a `deletionPolicy: Delete` removes, and the status map that records it all.
 * No I/O: the reconciler reads the Secret and the stores and runs the plan.
 */

/** `status.syncedPushSecrets`: `Kind/store` → `remoteKey[/property]` → the data entry pushed there. */
export type SyncedMap = Record<string, Record<string, PushSecretData>>;

/** One value to push to one store. */
export interface PlannedPush {
  /** `SecretStore/name` or `ClusterSecretStore/name` (ESO's status key). */
  readonly store: string;
  /** `remoteKey` or `remoteKey/property` (ESO's `statusRef`). */
  readonly statusKey: string;
  readonly entry: PushSecretData;
  readonly value: Uint8Array;
}

/** One remote entry a `deletionPolicy: Delete` removes (pushed before, no longer wanted). */
export interface PlannedDelete {
  readonly store: string;
  readonly statusKey: string;
  readonly entry: PushSecretData;
}

/** The plan of one sync. */
export interface PushPlan {
  readonly pushes: readonly PlannedPush[];
  readonly deletes: readonly PlannedDelete[];
}

/** At most this many data entries (the CRD says so too) and bytes per pushed value. */
export const maxPushEntries = 256;
export const maxPushValueBytes = 1024 * 1024;

/** ESO's `statusRef`: the remote key, `/property` appended when one is set. */
export function statusKeyOf(entry: PushSecretData): string {
  const r = entry.match.remoteRef;
  return r.property ? `${r.remoteKey}/${r.property}` : r.remoteKey;
}

/**
 * ESO's `ReverseUnicode`: every `_Uxxxx_` / `_Uxxxxx_` (hex) in a key becomes that character,
 * the inverse of ExternalSecret's `Unicode` key conversion. A hand-written scanner (tenant input).
 */
export function reverseUnicode(key: string): string {
  let out = "";
  let i = 0;
  const hex = (c: string) => /^[0-9a-fA-F]$/.test(c);
  while (i < key.length) {
    if (key.startsWith("_U", i)) {
      let j = i + 2;
      while (j < key.length && j - (i + 2) < 5 && hex(key[j]!)) j++;
      const digits = j - (i + 2);
      if (digits >= 4 && key[j] === "_") {
        const cp = parseInt(key.slice(i + 2, j), 16);
        if (cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff)) {
          out += String.fromCodePoint(cp);
          i = j + 1;
          continue;
        }
      }
    }
    out += key[i]!;
    i++;
  }
  return out;
}

/** The source data with `conversionStrategy` applied to its keys; a collision fails, as in ESO. */
export function convertKeys(data: Readonly<Record<string, Uint8Array>>, strategy: PushSecretData["conversionStrategy"]): Record<string, Uint8Array> {
  if ((strategy ?? "None") === "None") return { ...data };
  const out: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(data)) {
    const key = reverseUnicode(k);
    if (Object.hasOwn(out, key)) throw new HushError("HUSH_ERR_CONTROLLER_INVALID_KEY", `spec.data[].conversionStrategy: key collision after conversion: ${JSON.stringify(key.slice(0, 253))}`);
    out[key] = v;
  }
  return out;
}

/**
 * The data pushed from a Secret: its own data, or with `spec.template` what the template renders
 * from it (ESO `applyTemplate`: the ExternalSecret template engine over the Secret's keys).
 */
export function pushSourceData(ps: PushSecret, secretData: Readonly<Record<string, Uint8Array>>, sources?: TemplateSources): Record<string, Uint8Array> {
  const template = ps.spec.template;
  if (!template) return { ...secretData };
  const asEs: ExternalSecret = { metadata: ps.metadata, spec: { target: { template } } };
  const rendered = renderSecret(asEs, secretData, sources, new TemplateBudget());
  return Object.fromEntries(Object.entries(rendered.data).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, "base64"))]));
}

/** Checks the bounds of a PushSecret spec before anything is read. */
export function validatePushSecret(ps: PushSecret): void {
  const data = ps.spec.data ?? [];
  if (data.length > maxPushEntries) throw new HushError("HUSH_ERR_CONTROLLER_INVALID_SPEC", `spec.data: at most ${maxPushEntries} entries`);
  const generator = ps.spec.selector?.generatorRef !== undefined;
  if (generator === Boolean(ps.spec.selector?.secret)) throw new HushError("HUSH_ERR_CONTROLLER_INVALID_SPEC", "spec.selector needs exactly one of secret and generatorRef");
  if (!generator && !ps.spec.selector?.secret?.name) throw new HushError("HUSH_ERR_CONTROLLER_INVALID_SPEC", "spec.selector.secret.name is required");
  if (generator && ps.spec.selector.generatorRef!.kind === "VaultDynamicSecret") throw new HushError("HUSH_ERR_CONTROLLER_INVALID_SPEC", "spec.selector.generatorRef.kind: only Password and UUID generators are supported by hush yet");
  data.forEach((d, i) => {
    if (!d.match?.remoteRef?.remoteKey) throw new HushError("HUSH_ERR_CONTROLLER_INVALID_SPEC", `spec.data[${i}].match.remoteRef.remoteKey is required`);
  });
}

/**
 * Plans one sync: every data entry to every store (in spec order), and, with
 * `deletionPolicy: Delete`, every entry of `previous` that is no longer planned. Throws when a
 * `secretKey` is missing from the source (ESO: `secret key %v does not exist`) or a value is
 * too large; nothing is pushed then.
 */
export function planPush(ps: PushSecret, source: Readonly<Record<string, Uint8Array>>, stores: readonly string[], previous: SyncedMap = {}): PushPlan {
  const pushes: PlannedPush[] = [];
  const wanted = new Set<string>();
  (ps.spec.data ?? []).forEach((entry, i) => {
    const data = convertKeys(source, entry.conversionStrategy);
    const secretKey = entry.match.secretKey ?? "";
    let value: Uint8Array;
    if (secretKey === "") value = new TextEncoder().encode(secretAsJson(data));
    else {
      const v = Object.hasOwn(data, secretKey) ? data[secretKey] : undefined;
      if (v === undefined) throw new HushError("HUSH_ERR_CONTROLLER_PUSH_SOURCE_NOT_FOUND", `spec.data[${i}]: secret key ${JSON.stringify(secretKey.slice(0, 253))} does not exist`);
      value = v;
    }
    if (value.byteLength > maxPushValueBytes) throw new HushError("HUSH_ERR_CONTROLLER_INVALID_SPEC", `spec.data[${i}]: value exceeds ${maxPushValueBytes} bytes`);
    const statusKey = statusKeyOf(entry);
    for (const store of stores) {
      pushes.push({ store, statusKey, entry, value });
      wanted.add(JSON.stringify([store, statusKey]));
    }
  });
  const deletes: PlannedDelete[] = [];
  if ((ps.spec.deletionPolicy ?? "None") === "Delete") {
    for (const [store, entries] of Object.entries(previous)) {
      for (const [statusKey, entry] of Object.entries(entries)) {
        if (!wanted.has(JSON.stringify([store, statusKey]))) deletes.push({ store, statusKey, entry });
      }
    }
  }
  return { pushes, deletes };
}

/** Every entry of `previous` (finalizer cleanup: the PushSecret is being deleted). */
export function planCleanup(previous: SyncedMap = {}): PlannedDelete[] {
  return Object.entries(previous).flatMap(([store, entries]) => Object.entries(entries).map(([statusKey, entry]) => ({ store, statusKey, entry })));
}

/** Adds `entry` at `store`/`statusKey` to a synced map (new map; inputs untouched). */
export function withSynced(map: SyncedMap, store: string, statusKey: string, entry: PushSecretData): SyncedMap {
  return { ...map, [store]: { ...(map[store] ?? {}), [statusKey]: entry } };
}

/** Removes `store`/`statusKey` from a synced map (new map); a store left empty goes too. */
export function withoutSynced(map: SyncedMap, store: string, statusKey: string): SyncedMap {
  const entries = { ...(map[store] ?? {}) };
  delete entries[statusKey];
  const out = { ...map };
  if (Object.keys(entries).length === 0) delete out[store];
  else out[store] = entries;
  return out;
}

/** `Kind/name` → store ref. */
export function parseStoreKey(key: string): { kind: "SecretStore" | "ClusterSecretStore"; name: string } {
  const i = key.indexOf("/");
  const kind = key.slice(0, i) === "ClusterSecretStore" ? "ClusterSecretStore" : "SecretStore";
  return { kind, name: key.slice(i + 1) };
}
