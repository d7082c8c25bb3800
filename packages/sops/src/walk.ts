import { createHash, type Hash } from "node:crypto";
import { HushError } from "@hush/errors";
import { decryptValue, encryptBytes, encryptValue, isEncryptedValue, parseEncryptedValue, type RandomBytes } from "./cipher.js";
import type { SelectorMatcher } from "./selectors.js";
import { Comment, TreeList, TreeMap, type Scalar, type Tree, type TreeValue } from "./tree.js";
import { valueBytes } from "./values.js";

/** SHA-256("sops"): what sops feeds the MAC first when `mac_only_encrypted` is set. */
const macOnlyEncryptedInit = createHash("sha256").update("sops").digest();

/** The AAD of a value or comment at `path`: the keys joined by ':' with a trailing ':'. */
export function aadFor(path: readonly string[]): string {
  return `${path.join(":")}:`;
}

/** A short, value-free location for messages: `app2.db.password`. */
export function describePath(path: readonly string[]): string {
  return path.length === 0 ? "(top level)" : path.join(".");
}

type Visit = (value: Exclude<Scalar, null>, path: readonly string[], encrypted: boolean) => TreeValue;
type VisitComment = (comment: Comment, path: readonly string[], encrypted: boolean) => Comment;

/**
 * Walks a tree in sops's order (documents, items in file order, depth first), deciding for
 * each scalar and comment whether the selectors encrypt it, and rebuilding the tree from what
 * the visitors return. The comment stack follows sops: one list per nesting level, cleared
 * after each non-comment item.
 */
function walkTree(tree: Tree, matcher: SelectorMatcher, visit: Visit, visitComment: VisitComment): Tree {
  const stack: string[][] = [];
  const visible = (): string[] => stack.flat();

  const walkValue = (value: TreeValue, path: readonly string[]): TreeValue => {
    if (value instanceof TreeMap) return walkMap(value, path);
    if (value instanceof TreeList) return walkList(value, path);
    if (value === null) return null;
    return visit(value, path, matcher.shouldEncrypt(path, visible()));
  };

  const walkComment = (c: Comment, path: readonly string[], level: string[]): Comment => {
    const encrypted = matcher.shouldEncrypt(path, visible(), c.text);
    const out = visitComment(c, path, encrypted);
    // The stack holds clear text: what the comment said before encryption / after decryption.
    level.push(isEncryptedValue(c.text) ? out.text : c.text);
    return out;
  };

  const walkMap = (map: TreeMap, path: readonly string[]): TreeMap => {
    const level: string[] = [];
    stack.push(level);
    const items = map.items.map((item) => {
      if (item instanceof Comment) return walkComment(item, path, level);
      const value = walkValue(item.value, [...path, item.key]);
      level.length = 0;
      return { key: item.key, value };
    });
    stack.pop();
    return new TreeMap(items);
  };

  const walkList = (list: TreeList, path: readonly string[]): TreeList => {
    const level: string[] = [];
    stack.push(level);
    const items = list.items.map((item) => {
      if (item instanceof Comment) return walkComment(item, path, level);
      const value = walkValue(item, path);
      level.length = 0;
      return value;
    });
    stack.pop();
    return new TreeList(items);
  };

  return { branches: tree.branches.map((b) => walkMap(b, [])) };
}

/** Result of {@link encryptTree}. */
export interface EncryptedTree {
  readonly tree: Tree;
  /** Uppercase hex SHA-512 over the plaintext values: the MAC before it is encrypted. */
  readonly mac: string;
}

/** Options of {@link encryptTree}. */
export interface EncryptTreeOptions {
  readonly dataKey: Uint8Array;
  readonly matcher: SelectorMatcher;
  readonly random: RandomBytes;
  /** IVs to reuse for values whose plaintext and path did not change (edit/set keep diffs small). */
  readonly reuseIv?: (plain: Uint8Array, type: string, aad: string) => Uint8Array | undefined;
}

/** Encrypts every value the selectors choose and computes the MAC (sops `Encrypt`). */
export function encryptTree(tree: Tree, opts: EncryptTreeOptions): EncryptedTree {
  const hash = newMacHash(opts.matcher.macOnlyEncrypted);
  const out = walkTree(
    tree,
    opts.matcher,
    (value, path, encrypted) => {
      const { bytes, type } = valueBytes(value);
      if (!opts.matcher.macOnlyEncrypted || encrypted) hash.update(bytes);
      if (!encrypted) return value;
      // Empty strings are never encrypted (sops returns them unchanged).
      if (bytes.length === 0 && type === "str") return "";
      const aad = aadFor(path);
      return encryptBytes(bytes, type, opts.dataKey, aad, opts.reuseIv?.(bytes, type, aad) ?? opts.random(32));
    },
    (comment, path, encrypted) => {
      if (!encrypted || isEncryptedValue(comment.text)) return comment;
      const text = encryptValue(comment, opts.dataKey, aadFor(path), opts.random);
      return new Comment(text, comment.inline);
    },
  );
  return { tree: out, mac: hash.digest("hex").toUpperCase() };
}

/** Options of {@link decryptTree}. */
export interface DecryptTreeOptions {
  readonly dataKey: Uint8Array;
  readonly matcher: SelectorMatcher;
  /** Called for each decrypted value, e.g. to remember IVs for re-encryption. */
  readonly onDecrypted?: (plain: Uint8Array, type: string, aad: string, iv: Uint8Array) => void;
}

/** Decrypts every value the selectors say is encrypted and recomputes the MAC (sops `Decrypt`). */
export function decryptTree(tree: Tree, opts: DecryptTreeOptions): EncryptedTree {
  const hash = newMacHash(opts.matcher.macOnlyEncrypted);
  const out = walkTree(
    tree,
    opts.matcher,
    (value, path, encrypted) => {
      let plain: Exclude<Scalar, null> = value;
      if (encrypted) {
        if (value === "") {
          plain = value;
        } else if (typeof value === "string" && isEncryptedValue(value)) {
          const decrypted = decryptValue(value, opts.dataKey, aadFor(path), describePath(path));
          if (decrypted instanceof Comment) {
            throw new HushError("HUSH_ERR_SOPS_DECRYPT_VALUE", `value at ${describePath(path)} has type 'comment'`);
          }
          plain = decrypted;
          if (opts.onDecrypted) {
            const parts = parseEncryptedValue(value);
            if (parts) opts.onDecrypted(valueBytes(plain).bytes, parts.type, aadFor(path), parts.iv);
          }
        } else {
          throw new HushError(
            "HUSH_ERR_SOPS_DECRYPT_VALUE",
            `value at ${describePath(path)} should be encrypted but is in clear text (edited by hand after encryption?)`,
          );
        }
      }
      if (!opts.matcher.macOnlyEncrypted || encrypted) hash.update(valueBytes(plain).bytes);
      return plain;
    },
    (comment, path, encrypted) => {
      if (!encrypted || !isEncryptedValue(comment.text)) return comment;
      try {
        const plain = decryptValue(comment.text, opts.dataKey, aadFor(path), describePath(path));
        // Like sops, a decrypted same-line comment comes back on a line of its own.
        return plain instanceof Comment ? new Comment(plain.text) : comment;
      } catch {
        // sops keeps a comment it cannot decrypt as it is and only warns; the MAC does not cover comments.
        return comment;
      }
    },
  );
  return { tree: out, mac: hash.digest("hex").toUpperCase() };
}

function newMacHash(macOnlyEncrypted: boolean): Hash {
  const hash = createHash("sha512");
  if (macOnlyEncrypted) hash.update(macOnlyEncryptedInit);
  return hash;
}

/** Rejects trees sops cannot encrypt: integers beyond int64 (go-yaml reads them as uint64). */
export function assertEncryptable(tree: Tree): void {
  const check = (v: TreeValue, path: readonly string[]): void => {
    if (v instanceof TreeMap) for (const e of v.entries()) check(e.value, [...path, e.key]);
    else if (v instanceof TreeList) for (const i of v.items) if (!(i instanceof Comment)) check(i, path);
    else if (typeof v === "bigint" && (v > 2n ** 63n - 1n || v < -(2n ** 63n))) {
      throw new HushError("HUSH_ERR_SOPS_ENCRYPT_TREE", `integer at ${describePath(path)} does not fit in 64 bits`);
    }
  };
  for (const b of tree.branches) check(b, []);
}
