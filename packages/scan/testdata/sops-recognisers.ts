// The @hush/sops recognisers for unit tests. Imported from the sops sources until
// @hush/sops re-exports them from its index; the CLI wires the public exports.
import { isEncryptedValue } from "@hush/sops/cipher";
import { readSelectors, shouldEncrypt } from "@hush/sops/selectors";
import type { SopsRecognisers } from "../src/rules/sops-aware.js";

export const testSops: SopsRecognisers = {
  isEncryptedValue: (v) => isEncryptedValue(v),
  readSelectors: (m) => readSelectors(m),
  shouldEncrypt: (p, s) => shouldEncrypt(p, s as Parameters<typeof shouldEncrypt>[1]),
};
