import { findBinary } from "./require-peer.js";

/** A group of peer binaries that suites need together, and how to get them. */
export interface PeerGroup {
  readonly name: string;
  readonly binaries: readonly string[];
  readonly toolchain: string;
  readonly step: string;
}

/** Every peer `scripts/peers` provisions. */
export const peerGroups: readonly PeerGroup[] = [
  { name: "kube", binaries: ["etcd", "kube-apiserver", "kubectl"], toolchain: "Go", step: "kube" },
  { name: "moto", binaries: ["moto_server"], toolchain: "Python 3 with venv", step: "moto" },
  { name: "vault", binaries: ["vault"], toolchain: "Go", step: "vault" },
  { name: "slapd", binaries: ["slapd", "ldapadd"], toolchain: "root and apt-get (Debian slapd, ldap-utils)", step: "slapd" },
  { name: "gitleaks", binaries: ["gitleaks"], toolchain: "Go", step: "gitleaks" },
  { name: "sops/age", binaries: ["sops", "age"], toolchain: "Go", step: "sops" },
  { name: "sops-functional", binaries: ["sops-functional-tests"], toolchain: "Go and cargo", step: "sops-functional" },
  { name: "gotemplate-oracle", binaries: ["gotemplate-oracle"], toolchain: "Go", step: "gotemplate" },
  { name: "sealed-secrets", binaries: ["kubeseal", "sealed-secrets-controller"], toolchain: "Go", step: "sealed" },
  { name: "eso", binaries: ["external-secrets"], toolchain: "Go", step: "eso" },
];

/**
 * One line naming every missing peer group, what it needs and the command that provisions it;
 * `undefined` when all are present.
 */
export function missingPeersSummary(find: (name: string) => string | undefined = findBinary): string | undefined {
  const missing = peerGroups
    .map((group) => ({ group, absent: group.binaries.filter((b) => !find(b)) }))
    .filter(({ absent }) => absent.length > 0);
  if (missing.length === 0) return undefined;
  const parts = missing.map(({ group, absent }) => `${group.name} [${absent.join(", ")}; needs ${group.toolchain}: bash scripts/peers ${group.step}]`);
  return `peers missing, their suites are SKIPPED: ${parts.join("; ")}`;
}

/**
 * A vitest `globalSetup`: prints the one-line summary of missing peers once per run, loudly;
 * under `CI=true` a missing peer fails the run before any suite starts.
 */
export default function setup(): void {
  const summary = missingPeersSummary();
  if (!summary) return;
  if (process.env["CI"] === "true") throw new Error(`required under CI=true: ${summary}`);
  process.stderr.write(`\n*** ${summary} ***\n\n`);
}
