import { findCreationRule, isEncryptedValue, parseConfig, readSelectors, shouldEncrypt, type SopsConfig, type Selectors } from "@hush/sops";
import type { SopsRecognisers } from "./rules/sops-aware.js";

/** The SOPS recognisers from @hush/sops: the one implementation of the format's rules. */
export const hushSops: SopsRecognisers = {
  isEncryptedValue: (v) => isEncryptedValue(v),
  readSelectors: (meta) => readSelectors(meta),
  shouldEncrypt: (path, selectors) => shouldEncrypt(path, selectors as Selectors),
  parseConfig: (text) => parseConfig(text),
  findCreationRule: (config, relPath) => findCreationRule(config as SopsConfig, relPath),
};
