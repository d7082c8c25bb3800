import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, readFileSync, rmSync } from "node:fs";
import { ProbeAbort, waitFor } from "./wait-for.js";

/** A peer server started in its own process group, its output captured to a log file. */
export interface PeerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Non-undefined once the process has exited. */
  exitCode(): number | string | undefined;
  /** Throws {@link ProbeAbort} (with the log tail) if the process has exited; use in probes. */
  assertRunning(): void;
  /** The last `lines` lines of the log, for error messages. */
  logTail(lines?: number): string;
  /** SIGTERM to the whole process group, SIGKILL after `graceMs`; resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort when a test run dies without calling stop(): never leave a server behind.
  process.once("exit", () => {
    for (const child of live) {
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
  });
}

/** Options for {@link spawnPeer}. */
export interface SpawnPeerOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/**
 * Starts `bin args` detached in a new process group (so teardown kills its children too),
 * with stdout and stderr appended to `logFile`.
 */
export function spawnPeer(name: string, bin: string, args: readonly string[], logFile: string, options: SpawnPeerOptions = {}): PeerProcess {
  installExitHook();
  const log = createWriteStream(logFile, { flags: "a" });
  const child = spawn(bin, args, {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: options.env ?? process.env,
    cwd: options.cwd,
  });
  live.add(child);
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  let spawnError: Error | undefined;
  child.once("error", (err) => {
    spawnError = err;
  });
  // The log is diagnostic: a failure to write it must not become an unhandled error.
  log.on("error", () => undefined);
  // Resolved once the process is gone and its log file closed, so a caller may then remove
  // the log's directory (a peer stopped at once used to race its log stream's open).
  const exited = new Promise<void>((resolve) => {
    log.once("close", () => resolve());
    const done = (): void => {
      live.delete(child);
      log.end();
    };
    child.once("close", done);
    child.once("error", done);
  });
  const logTail = (lines = 30): string => {
    try {
      return readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "";
    }
  };
  const exitCode = (): number | string | undefined =>
    spawnError ? spawnError.message : (child.exitCode ?? child.signalCode ?? undefined);
  return {
    name,
    child,
    logFile,
    exitCode,
    logTail,
    assertRunning() {
      const code = exitCode();
      if (code !== undefined) throw new ProbeAbort(`${name} exited (${code}) before it was ready; log tail:\n${logTail()}`);
    },
    async stop(graceMs = 5_000) {
      if (exitCode() !== undefined || child.pid === undefined) {
        await exited;
        return;
      }
      const signal = (sig: NodeJS.Signals): void => {
        try {
          process.kill(-(child.pid as number), sig);
        } catch {
          // the group is already gone
        }
      };
      signal("SIGTERM");
      const timer = setTimeout(() => signal("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
      signal("SIGKILL"); // any grandchild that ignored SIGTERM
    },
  };
}

/** Options of {@link awaitPeer}. */
export interface AwaitPeerOptions {
  /** What is awaited, for the timeout message. */
  readonly what: string;
  readonly timeoutMs: number;
  /** A directory of the peer's, removed once it has stopped. */
  readonly dir?: string;
  /** How long `stop()` waits for SIGTERM before SIGKILL. */
  readonly graceMs?: number;
  /** Applied to the log tail before it goes into an error (for a peer that logs its root token). */
  readonly redact?: (log: string) => string;
}

/**
 * Waits until a freshly spawned peer passes `ready`, then returns its `stop()`, which may be
 * called any number of times: it ends the process group once and removes `dir`. A peer that
 * exits or never gets ready is stopped, and the error carries the tail of its log.
 */
export async function awaitPeer(proc: PeerProcess, ready: () => Promise<boolean>, options: AwaitPeerOptions): Promise<() => Promise<void>> {
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await proc.stop(options.graceMs);
    if (options.dir) rmSync(options.dir, { recursive: true, force: true });
  };
  try {
    await waitFor(async () => {
      // Not assertRunning(): its message carries the raw log tail, added below once and redacted.
      const code = proc.exitCode();
      if (code !== undefined) throw new ProbeAbort(`${proc.name} exited (${code}) before it was ready`);
      return ready();
    }, { timeoutMs: options.timeoutMs, what: options.what });
  } catch (err) {
    const tail = proc.logTail();
    await stop();
    throw new Error(`${(err as Error).message}\n${proc.name} log tail:\n${options.redact ? options.redact(tail) : tail}`);
  }
  return stop;
}
