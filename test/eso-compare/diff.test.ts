import { describe, expect, it } from "vitest";
import { diffSecrets, formatDiff, secretView, shortHash } from "./diff.js";

const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("Secret comparison", () => {
  const base = {
    type: "Opaque",
    data: { a: b64("one"), b: b64("two") },
    metadata: {
      labels: { team: "x", "reconcile.external-secrets.io/managed": "true" },
      annotations: { "reconcile.hush.dev/data-hash": "h1", note: "n" },
      ownerReferences: [{ kind: "ExternalSecret", name: "es", controller: true }],
    },
  };

  it("ignores each tool's own bookkeeping keys", () => {
    const other = { ...base, metadata: { ...base.metadata, labels: { team: "x", "reconcile.hush.dev/managed": "true" }, annotations: { note: "n", "reconcile.external-secrets.io/data-hash": "h2" } } };
    expect(diffSecrets(secretView(base), secretView(other))).toEqual([]);
  });

  it("names every differing field and shows values only as hashes", () => {
    const other = { type: "kubernetes.io/basic-auth", data: { a: b64("ONE"), c: b64("three") }, metadata: { labels: { team: "y" }, annotations: { note: "n" } } };
    const diffs = diffSecrets(secretView(base), secretView(other));
    expect(diffs.map((d) => d.where)).toEqual(["data.a", "data.b", "data.c", "labels.team", "owner", "type"]);
    const report = formatDiff(diffs);
    for (const secret of [b64("one"), b64("ONE"), b64("two"), b64("three"), "kubernetes.io/basic-auth"]) expect(report).not.toContain(secret);
    expect(report).toContain(`data.a: eso sha256:${shortHash(b64("one"))} | hush sha256:${shortHash(b64("ONE"))}`);
    expect(report).toContain("data.c: eso (absent)");
  });
});
