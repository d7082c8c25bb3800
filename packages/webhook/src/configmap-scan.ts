import { createScanner } from "@hush/scan";

/** A finding in a ConfigMap value: which key, and which rule (never the match). */
export interface ConfigMapFinding {
  readonly key: string;
  readonly rule: string;
}

// High confidence only: the prefixed-token and private-key rules. The generic (entropy and
// keyword) rules and the manifest-level Kubernetes rules are off, because a ConfigMap value
// is not a manifest and a warning on every long random-looking string would be noise.
const lowConfidence = ["generic-api-key", "generic-password", "password-in-url", "kubernetes-secret", "kustomize-secret-literal"];
const scanner = createScanner({ disabledRules: lowConfidence, inlineAllow: false });

/** Runs @hush/scan's high-confidence rules over each ConfigMap value. */
export function scanConfigMapValues(values: Readonly<Record<string, string>>): readonly ConfigMapFinding[] {
  const findings: ConfigMapFinding[] = [];
  for (const [key, content] of Object.entries(values)) {
    if (content === "") continue;
    for (const f of scanner.scan({ path: `configmap/${key}`, content }).findings) findings.push({ key, rule: f.rule });
  }
  return findings;
}

/** True when a key name is itself a credential by the same high-confidence rules (then it is not printed). */
export function isTokenLike(name: string): boolean {
  return name.length >= 16 && scanner.scan({ path: "configmap/key", content: name }).findings.length > 0;
}
