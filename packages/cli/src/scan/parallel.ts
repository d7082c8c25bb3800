import { Worker } from "node:worker_threads";
import type { Finding } from "@hush/scan";
import { HushError } from "@hush/errors";
import type { BatchResult } from "./scan-worker.js";
import type { ScannerSetup } from "./setup.js";
import type { WalkedFile } from "./walk.js";

const batchSize = 64;

/**
 * Scans `files` on `jobs` worker threads (pull model: each worker asks for the next batch by
 * answering the previous one). Returns all findings and totals; order is fixed by the caller's sort.
 */
export async function scanInWorkers(files: readonly WalkedFile[], setup: ScannerSetup, jobs: number): Promise<BatchResult> {
  const total = { findings: [] as Finding[], files: 0, bytes: 0 };
  let next = 0;
  const take = (): WalkedFile[] | null => {
    if (next >= files.length) return null;
    const batch = files.slice(next, next + batchSize);
    next += batchSize;
    return batch;
  };
  const url = new URL("./scan-worker.js", import.meta.url);
  await Promise.all(
    Array.from({ length: Math.max(1, jobs) }, () => {
      return new Promise<void>((resolve, reject) => {
        const worker = new Worker(url, { workerData: setup });
        worker.on("message", (r: BatchResult) => {
          total.findings.push(...r.findings);
          total.files += r.files;
          total.bytes += r.bytes;
          worker.postMessage(take());
        });
        worker.on("error", (cause) => reject(new HushError("HUSH_ERR_SCAN_INTERNAL", "a scan worker failed", { cause })));
        worker.on("exit", () => resolve());
        worker.postMessage(take());
      });
    }),
  );
  return total;
}
