import type { SopsRecognisers } from "@hush/scan";

/**
 * The @hush/sops recognisers for the scanner, taken from the package's public exports.
 * Looked up by name so the scanner degrades (SOPS-aware rules off) rather than breaking
 * while @hush/sops is still growing its surface.
 */
export async function loadSopsRecognisers(): Promise<SopsRecognisers | undefined> {
  const m = (await import("@hush/sops")) as Record<string, unknown>;
  const fn = (name: string) => (typeof m[name] === "function" ? (m[name] as (...a: unknown[]) => unknown) : undefined);
  const isEncryptedValue = fn("isEncryptedValue");
  const readSelectors = fn("readSelectors");
  const shouldEncrypt = fn("shouldEncrypt");
  if (!isEncryptedValue || !readSelectors || !shouldEncrypt) return undefined;
  const parseConfig = fn("parseConfig");
  const findCreationRule = fn("findCreationRule");
  return {
    isEncryptedValue: (v) => isEncryptedValue(v) === true,
    readSelectors: (meta) => readSelectors(meta),
    shouldEncrypt: (path, selectors) => shouldEncrypt(path, selectors) === true,
    ...(parseConfig && findCreationRule
      ? { parseConfig: (text: string) => parseConfig(text), findCreationRule: (config: unknown, rel: string) => findCreationRule(config, rel) }
      : {}),
  };
}
