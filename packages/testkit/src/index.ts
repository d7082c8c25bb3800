/**
 * @packageDocumentation
 * Test support for hush's suites: real peer discovery and harnesses. A devDependency only.
 */
export { findBinary, peersBin, repoRoot, requirePeer, type PeerCheck } from "./require-peer.js";
