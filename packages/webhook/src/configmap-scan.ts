// The one place the webhook asks @hush/scan for high-confidence findings in ConfigMap values.
// @hush/scan does not export a text scanner yet, so this reports "not available" and the
// policy lets ConfigMaps pass with the reason `configmap-not-scanned`.

/** A finding in a ConfigMap value: which key, and which rule (never the match). */
export interface ConfigMapFinding {
  readonly key: string;
  readonly rule: string;
}

/** Scans ConfigMap values; `undefined` when no scanner is available in this build. */
export function scanConfigMapValues(_values: Readonly<Record<string, string>>): readonly ConfigMapFinding[] | undefined {
  return undefined;
}
