import { HushError, isHushError } from "@hush/errors";
import { decryptBytes, encryptBytes, type RandomBytes } from "./cipher.js";
import type { KeyProviders } from "./key-provider.js";
import { describeKey, type KeyGroup, type KeyType, type MasterKey, type MasterKeyRef } from "./master-key.js";
import {
  assertVersion,
  canonicalTimestamp,
  formatTimestamp,
  metadataToTree,
  parseMetadata,
  sopsFormatVersion,
  type Metadata,
} from "./metadata.js";
import { SelectorMatcher, type Selectors } from "./selectors.js";
import { combineShares, splitSecret } from "./shamir.js";
import { emitFile, emitValue, loadFile, type Format, type StoreOptions } from "./stores/index.js";
import { Comment, TreeList, TreeMap, type Tree, type TreeValue } from "./tree.js";
import { assertEncryptable, decryptTree, encryptTree } from "./walk.js";

const utf8 = new TextEncoder();

/** An encrypted file, parsed: its (still encrypted) tree and its metadata. */
export interface OpenedFile {
  readonly tree: Tree;
  readonly metadata: Metadata;
}

/** Parses an encrypted file and its `sops` metadata without decrypting anything. */
export function openEncrypted(bytes: Uint8Array, format: Format): OpenedFile {
  const { tree, metadata } = loadFile(bytes, format, true);
  if (metadata === undefined || metadata === null) {
    throw new HushError("HUSH_ERR_SOPS_METADATA_NOT_FOUND", "sops metadata not found");
  }
  const parsed = parseMetadata(metadata);
  return { tree, metadata: parsed };
}

/** Parses plaintext for encryption; refuses files that already carry sops metadata. */
export function loadPlaintext(bytes: Uint8Array, format: Format): Tree {
  const { tree, metadata } = loadFile(bytes, format, false);
  if (metadata !== undefined) {
    throw new HushError("HUSH_ERR_SOPS_ALREADY_ENCRYPTED", "the file already has a `sops` key: it is already encrypted");
  }
  if (tree.branches.length === 0) throw new HushError("HUSH_ERR_SOPS_EMPTY_FILE", "the file is empty: it has no YAML document");
  assertEncryptable(tree);
  return tree;
}

/**
 * Wraps a data key for every master key. One group: each key wraps the whole key. Several
 * groups: the key is split with Shamir and group i's keys wrap share i.
 */
export async function wrapDataKey(
  dataKey: Uint8Array,
  groups: readonly KeyGroup<MasterKeyRef>[],
  threshold: number,
  providers: KeyProviders,
  now: Date,
  random: RandomBytes,
): Promise<{ keyGroups: KeyGroup[]; shamirThreshold: number }> {
  if (groups.length === 0 || groups.every((g) => g.length === 0)) {
    throw new HushError("HUSH_ERR_SOPS_NO_KEYS", "no master keys were given to encrypt the data key with");
  }
  let parts: Uint8Array[] = groups.map(() => dataKey);
  let shamirThreshold = threshold;
  if (groups.length > 1) {
    shamirThreshold = threshold > 0 ? threshold : groups.length;
    if (shamirThreshold > groups.length) {
      throw new HushError("HUSH_ERR_SOPS_SHAMIR", `shamir threshold ${shamirThreshold} is larger than the ${groups.length} key groups`);
    }
    parts = splitSecret(dataKey, groups.length, shamirThreshold, random);
  }
  const createdAt = formatTimestamp(now);
  const keyGroups = await Promise.all(
    groups.map((group, i) =>
      Promise.all(
        group.map(async (ref): Promise<MasterKey> => {
          const provider = providers[ref.type];
          if (!provider) {
            throw new HushError("HUSH_ERR_SOPS_KEY_UNAVAILABLE", `no provider for key type ${ref.type} (${describeKey(ref)})`);
          }
          const enc = await provider.wrap(ref, parts[i] as Uint8Array);
          return ref.type === "age" ? { ...ref, enc } : { ...ref, enc, created_at: createdAt };
        }),
      ),
    ),
  );
  return { keyGroups, shamirThreshold: groups.length > 1 ? shamirThreshold : threshold };
}

const defaultOrder: readonly KeyType[] = ["age", "pgp"];

function orderGroup(group: KeyGroup, order: readonly KeyType[]): MasterKey[] {
  const rank = (t: KeyType): number => {
    const i = order.indexOf(t);
    return i >= 0 ? i : order.length;
  };
  return group.map((k, i) => ({ k, i })).sort((a, b) => rank(a.k.type) - rank(b.k.type) || a.i - b.i).map((x) => x.k);
}

/**
 * Recovers the data key: in each group the keys are tried in decryption order (age, then PGP,
 * then the rest as stored) until one unwraps; with Shamir, enough groups must succeed. The
 * error lists every key tried and why it failed.
 */
export async function unwrapDataKey(metadata: Metadata, providers: KeyProviders, order: readonly KeyType[] = defaultOrder): Promise<Uint8Array> {
  const failures: string[] = [];
  const groups = metadata.keyGroups;
  if (groups.length === 0) throw new HushError("HUSH_ERR_SOPS_METADATA_INVALID", "the file lists no master keys");
  const parts: Uint8Array[] = [];
  const needed = groups.length > 1 ? (metadata.shamirThreshold > 0 ? metadata.shamirThreshold : groups.length) : 1;
  for (const group of groups) {
    for (const key of orderGroup(group, order)) {
      const provider = providers[key.type];
      if (!provider) {
        failures.push(`${describeKey(key)}: key type not available here`);
        continue;
      }
      try {
        parts.push(await provider.unwrap(key));
        break;
      } catch (err) {
        failures.push(`${describeKey(key)}: ${isHushError(err) ? err.message : "failed"}`);
      }
    }
    if (parts.length >= needed) break;
  }
  if (parts.length < needed) {
    const detail = failures.length > 0 ? `; tried: ${failures.join("; ")}` : "";
    throw new HushError(
      "HUSH_ERR_SOPS_KEY_UNAVAILABLE",
      groups.length > 1
        ? `could not retrieve the data key: ${parts.length} of ${needed} required key groups could be decrypted${detail}`
        : `could not retrieve the data key${detail}`,
    );
  }
  const key = groups.length > 1 ? combineShares(parts) : (parts[0] as Uint8Array);
  if (key.length !== 32) throw new HushError("HUSH_ERR_SOPS_KEY_UNAVAILABLE", "the recovered data key has the wrong length");
  return key;
}

/** Options of {@link decryptOpened}. */
export interface DecryptOpenedOptions {
  readonly ignoreMac?: boolean;
  readonly onDecrypted?: (plain: Uint8Array, type: string, aad: string, iv: Uint8Array) => void;
}

/** Decrypts an opened file with its data key and verifies the MAC (unless ignored). */
export function decryptOpened(file: OpenedFile, dataKey: Uint8Array, opts: DecryptOpenedOptions = {}): Tree {
  assertVersion(file.metadata.version);
  const matcher = new SelectorMatcher(file.metadata.selectors, false);
  const { tree, mac } = decryptTree(file.tree, {
    dataKey,
    matcher,
    ...(opts.onDecrypted && { onDecrypted: opts.onDecrypted }),
  });
  if (!opts.ignoreMac) verifyMac(file.metadata, dataKey, mac);
  return tree;
}

function verifyMac(metadata: Metadata, dataKey: Uint8Array, computed: string): void {
  if (metadata.mac === undefined) {
    throw new HushError("HUSH_ERR_SOPS_MAC_MISMATCH", "the file has no MAC, so its integrity cannot be verified");
  }
  let stored: string;
  try {
    stored = new TextDecoder().decode(decryptBytes(metadata.mac, dataKey, canonicalTimestamp(metadata.lastModified), "sops.mac").bytes);
  } catch {
    throw new HushError("HUSH_ERR_SOPS_MAC_MISMATCH", "cannot decrypt the MAC (tampered MAC or lastmodified)");
  }
  if (stored !== computed) {
    throw new HushError("HUSH_ERR_SOPS_MAC_MISMATCH", "MAC mismatch: the file's values do not match its MAC");
  }
}

/** Options of {@link sealTree}. */
export interface SealOptions {
  readonly now: Date;
  readonly random: RandomBytes;
  readonly reuseIv?: (plain: Uint8Array, type: string, aad: string) => Uint8Array | undefined;
}

/**
 * Encrypts a plaintext tree with an existing data key and key groups (encrypt, edit, set,
 * rotate): encrypts the selected values, sets `lastmodified`, computes and encrypts the MAC.
 */
export function sealTree(
  tree: Tree,
  base: Omit<Metadata, "mac" | "lastModified" | "version">,
  dataKey: Uint8Array,
  opts: SealOptions,
): { tree: Tree; metadata: Metadata } {
  const matcher = new SelectorMatcher(base.selectors, true);
  const encrypted = encryptTree(tree, {
    dataKey,
    matcher,
    random: opts.random,
    ...(opts.reuseIv && { reuseIv: opts.reuseIv }),
  });
  const lastModified = formatTimestamp(opts.now);
  const mac = encryptBytes(utf8.encode(encrypted.mac), "str", dataKey, lastModified, opts.random(32));
  return { tree: encrypted.tree, metadata: { ...base, lastModified, mac, version: sopsFormatVersion } };
}

/** Serialises an encrypted tree with its metadata in `format`. */
export function emitEncrypted(tree: Tree, metadata: Metadata, format: Format, store: StoreOptions = {}): Uint8Array {
  const metaTree = metadataToTree(metadata, { omitSelectors: format === "binary" });
  return emitFile(tree, format, metaTree, store);
}

/** Serialises a plaintext tree in `format`. */
export function emitPlaintext(tree: Tree, format: Format, store: StoreOptions = {}): Uint8Array {
  return emitFile(tree, format, undefined, store);
}

/** Options of {@link encryptFile}. */
export interface EncryptOptions {
  readonly format: Format;
  readonly outputFormat?: Format;
  readonly keyGroups: readonly KeyGroup<MasterKeyRef>[];
  readonly shamirThreshold?: number;
  readonly selectors?: Selectors;
  readonly providers: KeyProviders;
  readonly now: Date;
  readonly random: RandomBytes;
  readonly store?: StoreOptions;
}

/** Encrypts a plaintext file into a sops file (sops `encrypt`). */
export async function encryptFile(plain: Uint8Array, opts: EncryptOptions): Promise<Uint8Array> {
  const outputFormat = opts.outputFormat ?? opts.format;
  const tree = loadPlaintext(plain, opts.format);
  // The binary store ignores selectors (sops ≥ 3.11): the default applies and none is recorded.
  const selectors: Selectors = opts.format === "binary" || outputFormat === "binary" ? {} : (opts.selectors ?? {});
  new SelectorMatcher(selectors, true); // validate regexes before any key is wrapped
  const dataKey = opts.random(32);
  const { keyGroups, shamirThreshold } = await wrapDataKey(dataKey, opts.keyGroups, opts.shamirThreshold ?? 0, opts.providers, opts.now, opts.random);
  const sealed = sealTree(tree, { keyGroups, shamirThreshold, selectors }, dataKey, opts);
  return emitEncrypted(sealed.tree, sealed.metadata, outputFormat, opts.store);
}

/** Options of {@link decryptFile}. */
export interface DecryptOptions {
  readonly format: Format;
  readonly outputFormat?: Format;
  readonly providers: KeyProviders;
  readonly ignoreMac?: boolean;
  readonly decryptionOrder?: readonly KeyType[];
  /** `--extract` path, e.g. `["data"]["password"]`. */
  readonly extract?: string;
  readonly store?: StoreOptions;
}

/** Decrypts a sops file into plaintext (sops `decrypt`). */
export async function decryptFile(bytes: Uint8Array, opts: DecryptOptions): Promise<Uint8Array> {
  const opened = openEncrypted(bytes, opts.format);
  const dataKey = await unwrapDataKey(opened.metadata, opts.providers, opts.decryptionOrder);
  const tree = decryptOpened(opened, dataKey, { ...(opts.ignoreMac !== undefined && { ignoreMac: opts.ignoreMac }) });
  const outputFormat = opts.outputFormat ?? opts.format;
  if (opts.extract !== undefined) {
    return emitValue(extractPath(tree, parseTreePath(opts.extract)), outputFormat, opts.store);
  }
  return emitPlaintext(tree, outputFormat, opts.store);
}

/** Parses sops's tree path syntax `["key"][0]['sub']` into keys and indices. */
export function parseTreePath(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  const re = /\[(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|(\d+))\]/y;
  let i = 0;
  while (i < path.length) {
    re.lastIndex = i;
    const m = re.exec(path);
    if (!m) throw new HushError("HUSH_ERR_SOPS_EXTRACT_PATH", "invalid tree path");
    out.push(m[3] !== undefined ? Number(m[3]) : (m[1] ?? m[2] ?? ""));
    i = re.lastIndex;
  }
  if (out.length === 0) throw new HushError("HUSH_ERR_SOPS_EXTRACT_PATH", "invalid tree path: it is empty");
  return out;
}

/** Looks a path up in the first document. */
export function extractPath(tree: Tree, path: ReadonlyArray<string | number>): TreeValue {
  let cur: TreeValue = tree.branches[0] ?? new TreeMap();
  for (const step of path) {
    if (typeof step === "string" && cur instanceof TreeMap) {
      const next = cur.get(step);
      if (next === undefined) throw new HushError("HUSH_ERR_SOPS_EXTRACT_PATH", `key ${step} not found`);
      cur = next;
    } else if (typeof step === "number" && cur instanceof TreeList) {
      const items: TreeValue[] = cur.items.filter((x): x is TreeValue => !(x instanceof Comment));
      const next: TreeValue | undefined = items[step];
      if (next === undefined) throw new HushError("HUSH_ERR_SOPS_EXTRACT_PATH", `index ${step} out of range`);
      cur = next;
    } else {
      throw new HushError("HUSH_ERR_SOPS_EXTRACT_PATH", `path step ${String(step)} does not match the document`);
    }
  }
  return cur;
}

/** True when bytes parse as a sops file with a version and a MAC (`sops filestatus`). */
export function isEncryptedFile(bytes: Uint8Array, format: Format): boolean {
  try {
    const { metadata } = openEncrypted(bytes, format);
    return metadata.version !== "" && metadata.mac !== undefined;
  } catch {
    return false;
  }
}
