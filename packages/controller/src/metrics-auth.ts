import { HushError } from "@hush/errors";
import type { KubeClient } from "@hush/kube/client";

/** Decides whether the bearer token of a `/metrics` request may read metrics. */
export type MetricsAuthorizer = (authorization: string | undefined) => Promise<"allowed" | "unauthenticated" | "forbidden">;

interface TokenReviewStatus {
  authenticated?: boolean;
  user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
}

/**
 * controller-runtime's metrics filter: the bearer token is checked with a TokenReview, then the
 * user it names must be allowed `get` on the non-resource URL `/metrics` by a
 * SubjectAccessReview (grant it with the `hush-controller-metrics-reader` ClusterRole).
 * Decisions are remembered for `cacheMs` (default 10 s) per token, so a scrape costs the API
 * server at most two requests per interval; a token revoked or a binding removed stops working
 * within that time.
 */
export function kubernetesMetricsAuthorizer(client: KubeClient, options: { cacheMs?: number; now?: () => number } = {}): MetricsAuthorizer {
  const cacheMs = options.cacheMs ?? 10_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { at: number; decision: Promise<"allowed" | "unauthenticated" | "forbidden"> }>();
  const decide = async (token: string): Promise<"allowed" | "unauthenticated" | "forbidden"> => {
    const review = await client.request<{ status?: TokenReviewStatus }>("POST", "/apis/authentication.k8s.io/v1/tokenreviews", {
      body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token } },
    });
    const user = review.status?.user;
    if (!review.status?.authenticated || !user?.username) return "unauthenticated";
    const sar = await client.request<{ status?: { allowed?: boolean } }>("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", {
      body: {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SubjectAccessReview",
        spec: { user: user.username, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups ?? [], ...(user.extra ? { extra: user.extra } : {}), nonResourceAttributes: { path: "/metrics", verb: "get" } },
      },
    });
    return sar.status?.allowed ? "allowed" : "forbidden";
  };
  return async (authorization) => {
    const m = /^Bearer (\S{1,8192})$/i.exec(authorization ?? "");
    if (!m) return "unauthenticated";
    const token = m[1]!;
    const t = now();
    for (const [k, v] of cache) if (t - v.at >= cacheMs) cache.delete(k);
    let hit = cache.get(token);
    if (!hit) {
      if (cache.size >= 1000) cache.clear();
      hit = { at: t, decision: decide(token) };
      cache.set(token, hit);
      // An API error is not a decision: never cache it.
      hit.decision.catch(() => cache.delete(token));
    }
    return hit.decision;
  };
}

/** True for a listen host that only this machine (this pod) can reach. */
export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Checks the metrics settings: without authentication `/metrics` must listen on loopback only.
 * @throws `HUSH_ERR_CONTROLLER_CONFIG` otherwise.
 */
export function checkMetricsExposure(host: string, auth: "kubernetes" | "none"): void {
  if (auth === "none" && !isLoopbackHost(host)) {
    throw new HushError("HUSH_ERR_CONTROLLER_CONFIG", `--metrics-auth=none needs a loopback --metrics-addr (e.g. 127.0.0.1:8080), not ${host || "all interfaces"}`);
  }
}
