import { HushError } from "@hush/errors";
import { KubeClient, loadKubeConfig, resourcePath } from "@hush/kube/client";
import { auditObject, auditRequest, policyReports, type AuditFinding, type ListedObject, type PolicyReport } from "../audit.js";
import { createCachedFacts } from "../cached-facts.js";
import { resolveFacts } from "../facts.js";
import { neededFacts } from "../ownership.js";
import type { WebhookPolicy } from "../policy.js";
import { objectReaderFor } from "./kube-object-reader.js";

/** Options of {@link auditCluster}. */
export interface AuditClusterOptions {
  readonly policy: WebhookPolicy;
  /** A kubeconfig file; `$KUBECONFIG`, `~/.kube/config` or in-cluster when omitted. */
  readonly kubeconfigPath?: string;
  /** Only this namespace; every namespace when omitted. */
  readonly namespace?: string;
  /** Server-side apply one PolicyReport per namespace (needs the wgpolicyk8s.io CRD). */
  readonly writeReports?: boolean;
  readonly now?: () => Date;
}

/** What {@link auditCluster} found and wrote. */
export interface AuditResult {
  /** Every GitOps-applied Secret and ConfigMap, with the webhook's verdict. */
  readonly findings: readonly AuditFinding[];
  readonly reports: readonly PolicyReport[];
  /** Objects listed in all. */
  readonly scanned: number;
}

/**
 * The Kubernetes edge of `hush audit`: lists Secrets and ConfigMaps, judges each one that
 * carries a GitOps signal with the webhook's own `judge` (looking up Kustomizations,
 * HelmReleases and Applications as the webhook would), and optionally writes PolicyReports.
 *
 * @throws HushError `HUSH_ERR_WEBHOOK_KUBECONFIG`, or a `HUSH_ERR_KUBE_*` error from the API server.
 */
export async function auditCluster(options: AuditClusterOptions): Promise<AuditResult> {
  let client: KubeClient;
  try {
    client = new KubeClient(loadKubeConfig(options.kubeconfigPath ? { kubeconfigPath: options.kubeconfigPath } : {}));
  } catch (cause) {
    const where = options.kubeconfigPath ? `the kubeconfig ${options.kubeconfigPath}` : "the default or in-cluster kubeconfig";
    throw new HushError("HUSH_ERR_WEBHOOK_KUBECONFIG", `cannot load ${where}`, { cause });
  }
  const facts = createCachedFacts(objectReaderFor(client, 10_000));
  const listed: ListedObject[] = [];
  for (const [kind, plural] of [["Secret", "secrets"], ["ConfigMap", "configmaps"]] as const) {
    const path = resourcePath({ version: "v1", plural, ...(options.namespace ? { namespace: options.namespace } : {}) });
    for (const object of (await client.list<unknown>(path)).items) listed.push({ kind, object });
  }
  const findings: AuditFinding[] = [];
  for (const item of listed) {
    const request = auditRequest(item, options.policy);
    if (!request) continue;
    const found = auditObject(item, options.policy, await resolveFacts(neededFacts(request, options.policy), facts));
    if (found) findings.push(found);
  }
  const reports = policyReports(findings, (options.now ?? (() => new Date()))());
  if (options.writeReports) {
    for (const report of reports) {
      const path = resourcePath({ group: "wgpolicyk8s.io", version: "v1alpha2", plural: "policyreports", namespace: report.metadata.namespace, name: report.metadata.name });
      await client.request("PATCH", path, { body: report, contentType: "application/apply-patch+yaml", query: { fieldManager: "hush-audit", force: true } });
    }
  }
  return { findings, reports, scanned: listed.length };
}
