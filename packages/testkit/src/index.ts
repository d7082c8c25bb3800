/**
 * @packageDocumentation
 * Test support for hush's suites: real peer discovery and harnesses. A devDependency only.
 */
export { findBinary, peersBin, repoRoot, requirePeer, type PeerCheck } from "./require-peer.js";
export { freePort } from "./free-port.js";
export { ProbeAbort, waitFor, type WaitForOptions } from "./wait-for.js";
export { selfSignedCert, type CertBundle } from "./certs.js";
export {
  startKube,
  type KubeHarness,
  type KubectlOptions,
  type KubectlResult,
  type StartKubeOptions,
  type ValidatingWebhookOptions,
} from "./kube.js";
export { startMoto, type MotoHarness } from "./moto.js";
export { startGcpSecretManager, type GcpSecretManagerHarness } from "./gcp.js";
export { startVault, type VaultHarness } from "./vault.js";
