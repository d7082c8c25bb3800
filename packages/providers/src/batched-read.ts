import type { HushError } from "@hush/errors";
import { extractProperty, setEntry } from "./json-property.js";
import type { BatchResult, RemoteRef } from "./provider.js";

/**
 * How one provider reads many values: its batch call and its single read. Shared by the AWS
 * services with a batch read API (Secrets Manager, Parameter Store); each keeps its own batch
 * size, paging and error mapping inside `readBatch`.
 */
export interface BatchedReader<Ref> {
  /**
   * Reads `keys` (distinct) into `out`, keyed by the key asked. A key left out of `out` falls back
   * to a single read (batch denied, or answered under another name).
   */
  readBatch(keys: string[], out: Map<string, BatchResult>): Promise<void>;
  /** Reads one value on its own. */
  readOne(ref: Ref): Promise<Uint8Array>;
  /** The fewest distinct keys worth a batch call; fewer are read one by one. */
  minBatch: number;
  /** The provider's mapping of an unexpected failure. */
  asHush(err: unknown): HushError;
}

/**
 * `getSecrets` over a batch API: refs with a `batchKey` are read in batches, each distinct key
 * once; every ref the batch did not serve is then read alone, once per distinct
 * (key, version, metadataPolicy). Each result is projected on the ref's `property`.
 */
export async function readBatched(
  refs: readonly RemoteRef[],
  batchKey: (ref: RemoteRef) => string | undefined,
  reader: BatchedReader<RemoteRef>,
): Promise<BatchResult[]> {
  const results: (BatchResult | undefined)[] = new Array(refs.length);
  const batched = new Map<string, number[]>();
  refs.forEach((ref, i) => {
    const key = batchKey(ref);
    if (key !== undefined) batched.set(key, [...(batched.get(key) ?? []), i]);
  });
  const raw = new Map<string, BatchResult>();
  if (batched.size >= reader.minBatch) await reader.readBatch([...batched.keys()], raw);
  for (const [key, indexes] of batched) {
    const got = raw.get(key);
    if (!got) continue; // not served by the batch: single read below
    for (const i of indexes) results[i] = got.ok ? projectProperty(got.value, refs[i]!, reader.asHush) : got;
  }
  const single = new Map<string, Promise<BatchResult>>();
  await Promise.all(
    refs.map(async (ref, i) => {
      if (results[i]) return;
      const k = JSON.stringify([ref.key, ref.version ?? "", ref.metadataPolicy ?? "None"]);
      let p = single.get(k);
      if (!p) {
        p = settle(reader.readOne(ref), reader.asHush);
        single.set(k, p);
      }
      const got = await p;
      results[i] = got.ok ? projectProperty(got.value, ref, reader.asHush) : got;
    }),
  );
  return results as BatchResult[];
}

/**
 * The values of names a `find` listed, keyed by name: in batches when `batch` (and there are at
 * least `minBatch` names), the rest one by one in order. A name deleted between the listing and
 * the read is skipped; any other failure is thrown.
 */
export async function readFound(names: readonly string[], batch: boolean, reader: BatchedReader<string>): Promise<Record<string, Uint8Array>> {
  const out: Record<string, Uint8Array> = {};
  const values = new Map<string, BatchResult>();
  if (batch && names.length >= reader.minBatch) await reader.readBatch([...names], values);
  for (const name of names) {
    const got = values.get(name) ?? (await settle(reader.readOne(name), reader.asHush));
    if (got.ok) setEntry(out, name, got.value);
    else if (got.error.code !== "HUSH_ERR_PROVIDERS_NOT_FOUND") throw got.error;
  }
  return out;
}

function settle(read: Promise<Uint8Array>, asHush: (err: unknown) => HushError): Promise<BatchResult> {
  return read.then(
    (value): BatchResult => ({ ok: true, value }),
    (error: unknown): BatchResult => ({ ok: false, error: asHush(error) }),
  );
}

function projectProperty(value: Uint8Array, ref: RemoteRef, asHush: (err: unknown) => HushError): BatchResult {
  if (!ref.property) return { ok: true, value };
  try {
    return { ok: true, value: extractProperty(value, ref.property, ref.key) };
  } catch (err) {
    return { ok: false, error: asHush(err) };
  }
}
