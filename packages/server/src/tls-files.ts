import { createHash } from "node:crypto";
import { watch, type FSWatcher } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { createSecureContext } from "node:tls";
import { HushError } from "@hush/errors";

/** A PEM certificate chain and its private key. */
export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
}

/** Paths of the certificate chain and private key files. */
export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/**
 * Reads and checks a certificate/key pair: both files must be readable, parse as PEM and
 * belong together.
 *
 * @throws HushError `HUSH_ERR_SERVER_TLS_READ` when a file cannot be read,
 *   `HUSH_ERR_SERVER_TLS_INVALID` when the pair does not parse or does not match.
 */
export async function loadTlsFiles(files: TlsFiles): Promise<TlsMaterial> {
  const read = async (path: string, what: string): Promise<string> => {
    try {
      return await readFile(path, "utf8");
    } catch (cause) {
      throw new HushError("HUSH_ERR_SERVER_TLS_READ", `cannot read the TLS ${what} file ${path}`, { cause });
    }
  };
  const [cert, key] = await Promise.all([read(files.certFile, "certificate"), read(files.keyFile, "key")]);
  try {
    createSecureContext({ cert, key });
  } catch (cause) {
    // The OpenSSL message is not rendered: it can quote PEM lines of the key.
    throw new HushError(
      "HUSH_ERR_SERVER_TLS_INVALID",
      `${files.certFile} and ${files.keyFile} are not a matching PEM certificate and key`,
      { cause },
    );
  }
  return { cert, key };
}

/** Options of {@link watchTlsFiles}. */
export interface WatchTlsOptions extends TlsFiles {
  /** Called with the new pair after it changed and passed {@link loadTlsFiles}. */
  readonly onReload: (material: TlsMaterial) => void;
  /** Called when a change could not be loaded; the previous pair stays in use. */
  readonly onError: (error: HushError) => void;
  /** The pair currently served, so an unchanged rewrite does not trigger a reload. */
  readonly current?: TlsMaterial;
  /**
   * Re-reads on this interval as well, in case a file-system event was missed (network file
   * systems, some container runtimes). Default 60 s; 0 turns it off.
   */
  readonly pollIntervalMs?: number;
}

/** A running watch; `close()` stops it. */
export interface TlsWatch {
  /** Reloads now (also what file events trigger); resolves when the attempt is over. */
  check(): Promise<void>;
  close(): void;
}

/**
 * Watches a certificate/key pair and reports each new valid pair, for hot reload on
 * rotation (cert-manager rewrites mounted Secrets by swapping a `..data` symlink, so the
 * parent directories are watched, not the files, which the swap replaces).
 */
export function watchTlsFiles(options: WatchTlsOptions): TlsWatch {
  let lastDigest = options.current ? digest(options.current) : "";
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;

  const attempt = async (): Promise<void> => {
    try {
      const material = await loadTlsFiles(options);
      const next = digest(material);
      if (next !== lastDigest && !closed) {
        lastDigest = next;
        options.onReload(material);
      }
    } catch (err) {
      if (!closed) options.onError(err instanceof HushError ? err : new HushError("HUSH_ERR_SERVER_INTERNAL", "tls reload failed", { cause: err }));
    }
  };

  const check = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await attempt();
      } while (again && !closed);
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  const watchers: FSWatcher[] = [];
  const names = new Set([basename(options.certFile), basename(options.keyFile), "..data"]);
  for (const dir of new Set([dirname(options.certFile), dirname(options.keyFile)])) {
    const watcher = watch(dir, { persistent: false }, (_event, name) => {
      if (name === null || names.has(name.toString())) void check();
    });
    watcher.on("error", () => void check());
    watchers.push(watcher);
  }
  const pollMs = options.pollIntervalMs ?? 60_000;
  const timer = pollMs > 0 ? setInterval(() => void check(), pollMs) : undefined;
  timer?.unref();

  return {
    check,
    close() {
      closed = true;
      if (timer) clearInterval(timer);
      for (const w of watchers) w.close();
    },
  };
}

function digest(material: TlsMaterial): string {
  return createHash("sha256").update(material.cert).update("\0").update(material.key).digest("hex");
}
