import { pooledRandom } from "./random.js";
import {
  decryptOpened,
  emitEncrypted,
  openEncrypted,
  sealTree,
  unwrapDataKey,
  type Format,
  type KeyGroup,
  type KeyProviders,
  type KeyType,
  type Metadata,
  type OpenedFile,
  type StoreOptions,
  type Tree,
} from "@hush/sops";
import { loadSopsConfig, type LoadedConfig } from "./config.js";
import { fileMode, readInput, writeAtomic } from "./files.js";
import { keyProvidersFor } from "./providers.js";
import { inFile, parseDecryptionOrder, resolveFormats, storeOptions } from "./sops-options.js";

/** Flags that shape how an encrypted file is opened. */
export interface SessionFlags {
  inputType?: string;
  outputType?: string;
  config?: string;
  ignoreMac?: boolean;
  indent?: string;
  decryptionOrder?: string;
}

/** An encrypted file opened for a change: its plaintext, data key, and what re-sealing needs. */
export interface SopsSession {
  readonly file: string;
  readonly formats: { readonly input: Format; readonly output: Format };
  readonly opened: OpenedFile;
  readonly dataKey: Uint8Array;
  /** The decrypted tree (callers may replace it). */
  readonly plain: Tree;
  readonly providers: KeyProviders;
  readonly config: LoadedConfig | undefined;
  readonly store: StoreOptions;
  /** The file's permission bits, kept when it is rewritten. */
  readonly mode: number | undefined;
  /** The IV each (path, type, plaintext) had, so unchanged values re-encrypt identically. */
  readonly ivs: ReadonlyMap<string, Uint8Array>;
}

const ivKey = (plain: Uint8Array, type: string, aad: string): string =>
  `${aad}\u0000${type}\u0000${Buffer.from(plain).toString("base64")}`;

/**
 * Reads, opens and decrypts a sops file: recovers the data key through the file's master
 * keys, decrypts every value (checking the MAC unless `ignoreMac`), and remembers each
 * value's IV so that unchanged values can be re-encrypted to the same ciphertext.
 */
export async function openSession(file: string, flags: SessionFlags, env: NodeJS.ProcessEnv): Promise<SopsSession> {
  const formats = resolveFormats(flags, file);
  const order = parseDecryptionOrder(flags.decryptionOrder ?? env["SOPS_DECRYPTION_ORDER"]);
  const config = await loadSopsConfig(flags.config, process.cwd(), env);
  const bytes = await readInput(file);
  const mode = await fileMode(file);
  try {
    const opened = openEncrypted(bytes, formats.input);
    const providers = keyProvidersFor(env);
    const dataKey = await unwrapDataKey(opened.metadata, providers, order);
    const ivs = new Map<string, Uint8Array>();
    const plain = decryptOpened(opened, dataKey, {
      ...(flags.ignoreMac && { ignoreMac: true }),
      onDecrypted: (p, type, aad, iv) => ivs.set(ivKey(p, type, aad), iv),
    });
    const store = storeOptions(flags, formats.output, config?.config);
    return { file, formats, opened, dataKey, plain, providers, config, store, mode, ivs };
  } catch (err) {
    throw inFile(file, err);
  }
}

/** What {@link sealSession} may change besides the tree. */
export interface SealChanges {
  readonly tree?: Tree;
  /** New key groups already holding `enc` for `dataKey` (rotate, updatekeys). */
  readonly keyGroups?: readonly KeyGroup[];
  readonly shamirThreshold?: number;
  /** A new data key (rotate): no IV is reused then. */
  readonly dataKey?: Uint8Array;
  readonly now?: Date;
}

/**
 * Re-encrypts the session's (possibly edited) tree and returns the file's new bytes:
 * same data key and IVs for unchanged values unless a new data key is given; new
 * `lastmodified`, MAC and version.
 */
export function sealSession(session: SopsSession, changes: SealChanges = {}): Uint8Array {
  const dataKey = changes.dataKey ?? session.dataKey;
  const sameKey = changes.dataKey === undefined;
  const base: Omit<Metadata, "mac" | "lastModified" | "version"> = {
    keyGroups: changes.keyGroups ?? session.opened.metadata.keyGroups,
    shamirThreshold: changes.shamirThreshold ?? session.opened.metadata.shamirThreshold,
    selectors: session.opened.metadata.selectors,
  };
  const sealed = sealTree(changes.tree ?? session.plain, base, dataKey, {
    now: changes.now ?? new Date(),
    random: pooledRandom(),
    ...(sameKey && { reuseIv: (p: Uint8Array, type: string, aad: string) => session.ivs.get(ivKey(p, type, aad)) }),
  });
  return emitEncrypted(sealed.tree, sealed.metadata, session.formats.output, session.store);
}

/** Seals the session (see {@link sealSession}) and writes it back over its file, atomically, keeping its mode. */
export async function saveSession(session: SopsSession, changes: SealChanges = {}): Promise<void> {
  try {
    await writeAtomic(session.file, sealSession(session, changes), session.mode ?? 0o644);
  } catch (err) {
    throw inFile(session.file, err);
  }
}
