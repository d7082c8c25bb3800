import { describe, expect, it } from "vitest";
import { HushError } from "@hush/errors";
import type { ExternalSecret } from "@hush/kube";
import { fetchExternalSecretData, type SourceReader } from "./fetch-data.js";
import { planSecret } from "./plan-secret.js";

const enc = (s: string) => new TextEncoder().encode(s);

/** A store holding `secrets` (key → JSON text); anything else is "gone" at the provider. */
function reader(secrets: Record<string, string>): SourceReader {
  const get = async (_s: unknown, r: { key: string }) => {
    const v = secrets[r.key];
    if (v === undefined) throw new HushError("HUSH_ERR_PROVIDERS_NOT_FOUND", `secret ${r.key} not found`);
    return enc(v);
  };
  return {
    get,
    getMap: async (s, r) => Object.fromEntries(Object.entries(JSON.parse(new TextDecoder().decode(await get(s, r))) as Record<string, string>).map(([k, v]) => [k, enc(v)])),
    find: async () => ({}),
  };
}

function es(property: string): ExternalSecret {
  return {
    metadata: { name: "app", namespace: "team", uid: "u", generation: 1 },
    spec: { secretStoreRef: { name: "s" }, target: { deletionPolicy: "Delete" }, dataFrom: [{ extract: { key: "app/config", property } }] },
  };
}

describe("S5: a missing dataFrom extract property is an error, never a deletion", () => {
  const store = reader({ "app/config": JSON.stringify({ db: { user: "u", pass: "p" } }) });
  const live = { metadata: { name: "app", namespace: "team", uid: "s", ownerReferences: [{ apiVersion: "hush.dev/v1", kind: "ExternalSecret", name: "app", uid: "u", controller: true }] }, data: {} };

  it("a typo in the property fails the sync and keeps the Secret", async () => {
    const fetched = await fetchExternalSecretData(es("dbb"), store);
    expect(fetched.ok).toBe(false);
    const plan = planSecret(es("dbb"), fetched, live);
    expect(plan.action.type).toBe("none");
    expect(plan.ready.status).toBe("False");
    expect(plan.ready.message).toContain("not found in the remote secret");
  });

  it("the right property expands as before", async () => {
    const fetched = await fetchExternalSecretData(es("db"), store);
    expect(fetched.ok && Object.keys(fetched.data).sort()).toEqual(["pass", "user"]);
  });

  it("a remote secret that is really gone still counts as missing under deletionPolicy Delete", async () => {
    const gone = { ...es("db"), spec: { ...es("db").spec, dataFrom: [{ extract: { key: "app/removed", property: "db" } }] } };
    const fetched = await fetchExternalSecretData(gone, store);
    expect(fetched.ok && fetched.missing).toHaveLength(1);
    expect(planSecret(gone, fetched, live).action.type).toBe("delete");
  });
});
