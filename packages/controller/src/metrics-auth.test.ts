import { describe, expect, it } from "vitest";
import type { KubeClient } from "@hush/kube/client";
import { checkMetricsExposure, kubernetesMetricsAuthorizer } from "./metrics-auth.js";

function fake(users: Record<string, { name: string; allowed: boolean }>) {
  const calls: string[] = [];
  const client = {
    request: async (_m: string, path: string, o: { body: { spec: { token?: string; user?: string } } }) => {
      calls.push(path);
      if (path.endsWith("/tokenreviews")) {
        const u = users[o.body.spec.token ?? ""];
        return { status: u ? { authenticated: true, user: { username: u.name, groups: [] } } : { authenticated: false } };
      }
      const u = Object.values(users).find((x) => x.name === o.body.spec.user);
      return { status: { allowed: u?.allowed ?? false } };
    },
  } as unknown as KubeClient;
  return { client, calls };
}

describe("S8: /metrics authorization", () => {
  it("needs a token that passes TokenReview and a SubjectAccessReview for get /metrics", async () => {
    const { client, calls } = fake({ good: { name: "system:serviceaccount:mon:prometheus", allowed: true }, nosy: { name: "nosy", allowed: false } });
    let now = 0;
    const auth = kubernetesMetricsAuthorizer(client, { now: () => now });
    expect(await auth(undefined)).toBe("unauthenticated");
    expect(await auth("Basic abc")).toBe("unauthenticated");
    expect(await auth("Bearer bogus")).toBe("unauthenticated");
    expect(await auth("Bearer nosy")).toBe("forbidden");
    expect(await auth("Bearer good")).toBe("allowed");
    const n = calls.length;
    expect(await auth("Bearer good")).toBe("allowed");
    expect(calls.length).toBe(n); // cached
    now = 11_000;
    expect(await auth("Bearer good")).toBe("allowed");
    expect(calls.length).toBe(n + 2); // re-checked after the cache period
  });

  it("serves unauthenticated metrics only on loopback", () => {
    expect(() => checkMetricsExposure("0.0.0.0", "none")).toThrowError(expect.objectContaining({ code: "HUSH_ERR_CONTROLLER_CONFIG" }));
    expect(() => checkMetricsExposure("10.0.0.5", "none")).toThrowError(expect.objectContaining({ code: "HUSH_ERR_CONTROLLER_CONFIG" }));
    expect(() => checkMetricsExposure("127.0.0.1", "none")).not.toThrow();
    expect(() => checkMetricsExposure("0.0.0.0", "kubernetes")).not.toThrow();
  });
});
