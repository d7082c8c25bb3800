/**
 * @packageDocumentation
 * Test support for hush's suites: real peer discovery and harnesses. A devDependency only.
 */
export { findBinary, peersBin, repoRoot, requirePeer, type PeerCheck } from "./require-peer.js";
export { freePort } from "./free-port.js";
export { ProbeAbort, waitFor, type WaitForOptions } from "./wait-for.js";
export { createCertAuthority, selfSignedCert, type CertAuthority, type CertBundle, type IssueOptions } from "./certs.js";
export {
  startKube,
  type KubeHarness,
  type KubectlOptions,
  type KubectlResult,
  type StartKubeOptions,
  type ValidatingWebhookOptions,
} from "./kube.js";
export { startMoto, type MotoHarness } from "./moto.js";
export { startGcpSecretManager, type GcpSecretManagerHarness, type StartGcpSecretManagerOptions } from "./gcp.js";
export {
  startGcpTokenService,
  type GcpTokenServiceFake,
  type GenerateAccessTokenCall,
  type StartGcpTokenServiceOptions,
  type StsExchange,
} from "./gcp-sts.js";
export { startVault, type VaultHarness, type VaultTlsListener } from "./vault.js";
export { startSlapd, type SlapdHarness, type SlapdUser } from "./slapd.js";
/**
 * The `@kubernetes/client-node` that {@link KubeHarness.kubeConfig} comes from (1.4.x: 2.x pulls
 * in undici 8, which needs Node >= 22.19). Take API classes from here (`k8s.CoreV1Api`) so they
 * match the harness's KubeConfig whatever version a test package depends on.
 */
export * as k8s from "@kubernetes/client-node";
export { startCloudKmsFake, startVaultTransitFake, type CloudKmsFake, type VaultTransitFake } from "./key-service-fakes.js";
export { rejectionOf } from "./rejection.js";
export { esoCrdPaths, esoErrors, requireEso, startEso, type EsoHarness, type StartEsoOptions } from "./eso.js";
