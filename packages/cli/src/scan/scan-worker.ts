import { readFileSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import type { Finding } from "@hush/scan";
import { buildScanner, type ScannerSetup } from "./setup.js";
import type { WalkedFile } from "./walk.js";

/** What a worker sends back for each batch. */
export interface BatchResult {
  readonly findings: Finding[];
  readonly files: number;
  readonly bytes: number;
}

// One tree-scan worker: builds the scanner once, then scans the batches of files it is sent
// (`null` ends it). Findings carry hashes and redacted prefixes only, never secrets.
const scanner = buildScanner(workerData as ScannerSetup);
const port = parentPort!;
port.on("message", (batch: WalkedFile[] | null) => {
  if (batch === null) {
    port.close();
    return;
  }
  const result: BatchResult = { findings: [], files: 0, bytes: 0 };
  for (const f of batch) {
    let content: Buffer;
    try {
      content = readFileSync(f.abs);
    } catch {
      continue;
    }
    (result as { files: number }).files++;
    (result as { bytes: number }).bytes += content.length;
    result.findings.push(...scanner.scan({ path: f.rel, content }).findings);
  }
  port.postMessage(result);
});
