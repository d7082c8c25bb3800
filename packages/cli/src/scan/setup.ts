import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createScanner, hushSops, parseGitleaksConfig, parseScanConfig, type ScanConfig, type Scanner, type SopsConfigInForce } from "@hush/scan";
import { HushError } from "@hush/errors";

/**
 * Everything needed to build the same scanner in the main thread and in each worker: plain
 * data only (paths and numbers), so it crosses `postMessage`.
 */
export interface ScannerSetup {
  /** Where `.hush-scan.yaml`, `.gitleaks.toml` and `.sops.yaml` are looked up. */
  readonly configRoot: string;
  /** `--config FILE`, absolute. */
  readonly configFile?: string;
  readonly maxFileBytes?: number;
  /** Check token checksums offline (`hush scan --verify`). */
  readonly verify?: boolean;
  readonly kustomizeSecretFiles: readonly string[];
}

const configNames = [".hush-scan.yaml", ".hush-scan.yml", ".hush-scan.json", ".gitleaks.toml"];

/** Reads a text file or throws HUSH_ERR_SCAN_READ naming it. */
export function readText(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (cause) {
    throw new HushError("HUSH_ERR_SCAN_READ", `${file}: cannot read ${what}`, { cause });
  }
}

function loadConfig(root: string, explicit: string | undefined): ScanConfig {
  const file = explicit ?? configNames.map((n) => join(root, n)).find((f) => existsSync(f));
  if (!file) return {};
  const text = readText(file, "scanner config");
  return file.endsWith(".toml") ? parseGitleaksConfig(text, file) : parseScanConfig(text, file);
}

/** Builds the scanner: config file (hush or gitleaks), the root `.sops.yaml`, size cap, kustomize sources. */
export function buildScanner(setup: ScannerSetup): Scanner {
  const config = loadConfig(setup.configRoot, setup.configFile);
  const sopsConfigs: SopsConfigInForce[] = [];
  const sopsFile = join(setup.configRoot, ".sops.yaml");
  if (existsSync(sopsFile)) {
    try {
      sopsConfigs.push({ config: hushSops.parseConfig!(readText(sopsFile, ".sops.yaml")), dir: "" });
    } catch (cause) {
      throw new HushError("HUSH_ERR_SCAN_CONFIG", `${sopsFile}: cannot parse .sops.yaml`, { cause });
    }
  }
  return createScanner({
    ...config,
    sopsConfigs,
    kustomizeSecretFiles: new Set(setup.kustomizeSecretFiles),
    ...(setup.maxFileBytes !== undefined ? { maxFileBytes: setup.maxFileBytes } : {}),
    ...(setup.verify ? { verify: true } : {}),
  });
}
