import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import ignore, { type Ignore } from "ignore";
import { HushError } from "@hush/errors";

/** A file found by {@link walkTree}: its absolute path and its path relative to the root. */
export interface WalkedFile {
  readonly abs: string;
  readonly rel: string;
}

interface Level {
  /** Directory of this .gitignore relative to the root, with a trailing `/` (or ""). */
  readonly base: string;
  /** For a .gitignore above the root: the root's path relative to it, with a trailing `/`. */
  readonly prefix: string;
  readonly ig: Ignore;
}

/**
 * `.gitignore` files of the directories above `root`, up to the enclosing work tree's top
 * (the directory holding `.git`), outermost first. None when `root` is not inside a work tree.
 */
function ancestorLevels(root: string): Level[] {
  const dirs: string[] = [];
  for (let d = dirname(root), prev = root; d !== prev; prev = d, d = dirname(d)) {
    dirs.push(d);
    if (existsSync(join(d, ".git"))) {
      const levels: Level[] = [];
      for (const a of dirs.reverse()) {
        const ig = loadIgnore(a);
        if (ig) levels.push({ base: "", prefix: `${relative(a, root).split(sep).join("/")}/`, ig });
      }
      return levels;
    }
  }
  return [];
}

function loadIgnore(dirAbs: string): Ignore | undefined {
  let text: string;
  try {
    text = readFileSync(join(dirAbs, ".gitignore"), "utf8");
  } catch {
    return undefined;
  }
  return ignore().add(text);
}

function ignored(levels: readonly Level[], rel: string, isDir: boolean): boolean {
  for (const l of levels) {
    const sub = l.prefix + rel.slice(l.base.length);
    if (sub.length > 0 && l.ig.ignores(isDir ? `${sub}/` : sub)) return true;
  }
  return false;
}

/**
 * Walks `root` depth-first in sorted order, honouring every `.gitignore` from the root down
 * (nested files apply to their own subtree) and, when `root` lies inside a Git work tree, the
 * `.gitignore` files above it up to the work tree's top; never enters `.git`. Symlinks are not
 * followed. Yields files lazily so the scan streams.
 */
export function* walkTree(root: string): Generator<WalkedFile> {
  let st;
  try {
    st = statSync(root);
  } catch (cause) {
    throw new HushError("HUSH_ERR_SCAN_READ", `${root}: no such file or directory`, { cause });
  }
  if (st.isFile()) {
    yield { abs: root, rel: root.split(sep).join("/") };
    return;
  }
  const rootIg = loadIgnore(root);
  const start = [...(existsSync(join(root, ".git")) ? [] : ancestorLevels(root)), ...(rootIg ? [{ base: "", prefix: "", ig: rootIg }] : [])];
  const stack: { abs: string; levels: Level[] }[] = [{ abs: root, levels: start }];
  while (stack.length > 0) {
    const { abs, levels } = stack.pop()!;
    let entries;
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch {
      continue; // unreadable directory: skip, as git does
    }
    entries.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
    const dirs: { abs: string; levels: Level[] }[] = [];
    for (const e of entries) {
      if (e.name === ".git") continue;
      const childAbs = join(abs, e.name);
      const rel = relative(root, childAbs).split(sep).join("/");
      if (e.isDirectory()) {
        if (ignored(levels, rel, true)) continue;
        const ig = loadIgnore(childAbs);
        dirs.push({ abs: childAbs, levels: ig ? [...levels, { base: `${rel}/`, prefix: "", ig }] : levels });
      } else if (e.isFile()) {
        if (ignored(levels, rel, false)) continue;
        yield { abs: childAbs, rel };
      }
    }
    // entries were sorted descending; push dirs so the smallest name is processed first
    for (const d of dirs) stack.push(d);
  }
}
