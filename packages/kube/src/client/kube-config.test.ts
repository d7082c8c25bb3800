import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { loadKubeConfig } from "./kube-config.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function kubeconfig(user: Record<string, unknown>, cluster: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "hush-kc-"));
  dirs.push(dir);
  writeFileSync(join(dir, "token"), "file-token\n");
  writeFileSync(join(dir, "ca.crt"), "CA-PEM");
  const path = join(dir, "config");
  writeFileSync(
    path,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      "current-context": "c",
      contexts: [{ name: "c", context: { cluster: "k", user: "u" } }],
      clusters: [{ name: "k", cluster: { server: "https://127.0.0.1:6443", "certificate-authority": "ca.crt", ...cluster } }],
      users: [{ name: "u", user }],
    }),
  );
  return path;
}

describe("loadKubeConfig", () => {
  it("reads client certificates, a CA file relative to the kubeconfig, and impersonation", async () => {
    const c = loadKubeConfig({ kubeconfigPath: kubeconfig({ "client-certificate-data": Buffer.from("CERT").toString("base64"), "client-key-data": Buffer.from("KEY").toString("base64"), as: "system:serviceaccount:a:b" }), env: {} });
    expect(c.server).toBe("https://127.0.0.1:6443");
    expect(c.ca?.toString()).toBe("CA-PEM");
    expect(c.cert?.toString()).toBe("CERT");
    expect(c.key?.toString()).toBe("KEY");
    expect(await c.headers()).toEqual({ "Impersonate-User": "system:serviceaccount:a:b" });
  });

  it("re-reads a token file on every call and honours a server override", async () => {
    const path = kubeconfig({ tokenFile: "token" });
    const c = loadKubeConfig({ kubeconfigPath: path, serverOverride: "https://127.0.0.1:1", env: {} });
    expect(c.server).toBe("https://127.0.0.1:1");
    expect(await c.headers()).toEqual({ authorization: "Bearer file-token" });
    writeFileSync(join(path, "..", "token"), "rotated");
    expect(await c.headers()).toEqual({ authorization: "Bearer rotated" });
  });

  it("fails with HUSH_ERR_KUBE_CONFIG when nothing is configured", () => {
    expect(() => loadKubeConfig({ env: { HOME: "/nonexistent" } })).toThrowError(expect.objectContaining({ code: "HUSH_ERR_KUBE_CONFIG" }));
  });
});
