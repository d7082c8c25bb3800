import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
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
  readonly ig: Ignore;
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
    const sub = rel.slice(l.base.length);
    if (sub.length > 0 && l.ig.ignores(isDir ? `${sub}/` : sub)) return true;
  }
  return false;
}

/**
 * Walks `root` depth-first in sorted order, honouring every `.gitignore` from the root down
 * (nested files apply to their own subtree) and never entering `.git`. Symlinks are not
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
  const stack: { abs: string; levels: Level[] }[] = [{ abs: root, levels: rootIg ? [{ base: "", ig: rootIg }] : [] }];
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
        dirs.push({ abs: childAbs, levels: ig ? [...levels, { base: `${rel}/`, ig }] : levels });
      } else if (e.isFile()) {
        if (ignored(levels, rel, false)) continue;
        yield { abs: childAbs, rel };
      }
    }
    // entries were sorted descending; push dirs so the smallest name is processed first
    for (const d of dirs) stack.push(d);
  }
}
