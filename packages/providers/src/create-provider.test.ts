import { describe, expect, it } from "vitest";
import { createProvider, supportedProviders } from "./create-provider.js";
import { isRetryable, providerErrorKind, refKey } from "./provider.js";
import { providerError } from "./provider-error.js";

const ctx = { namespace: "ns", now: () => 0, readSecret: async () => new Uint8Array() };

describe("createProvider", () => {
  it("knows aws, gcpsm and vault", () => {
    expect(supportedProviders()).toEqual(["aws", "gcpsm", "vault"]);
  });

  it("builds the provider named by the single key, without any call", async () => {
    const p = await createProvider({ aws: { region: "us-east-1" } }, { ...ctx, storeKind: "ClusterSecretStore" });
    expect(p.kind).toBe("aws");
    await p.close();
    const v = await createProvider({ vault: { server: "http://127.0.0.1:1", auth: { tokenSecretRef: { name: "t", key: "k" } } } }, ctx);
    expect(v.kind).toBe("vault");
    await v.close();
  });

  it("rejects zero, several, unknown or malformed provider blocks", async () => {
    for (const spec of [null, [], {}, { aws: {}, vault: {} }, { azurekv: {} }, { __proto__: { aws: {} } }, { aws: { region: 1 } }]) {
      await expect(createProvider(spec, ctx)).rejects.toMatchObject({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG" });
    }
  });
});

describe("error kinds and ref keys", () => {
  it("classifies provider errors and what to retry", () => {
    expect(providerErrorKind(providerError("throttled", "x"))).toBe("throttled");
    expect(isRetryable(providerError("unavailable", "x"))).toBe(true);
    expect(isRetryable(providerError("checksum-mismatch", "x"))).toBe(true);
    expect(isRetryable(providerError("not-found", "x"))).toBe(false);
    expect(providerErrorKind(new Error("x"))).toBe("internal");
  });

  it("gives identical reads the same key and different reads different keys", () => {
    expect(refKey({ key: "a" })).toBe(refKey({ key: "a", metadataPolicy: "None" }));
    expect(refKey({ key: "a", property: "b" })).not.toBe(refKey({ key: "a.b" }));
    expect(refKey({ key: "a", version: "1" })).not.toBe(refKey({ key: "a" }));
  });
});

describe("credential references", () => {
  it("needs an explicit namespace on a cluster store without a context namespace", async () => {
    const spec = { aws: { region: "us-east-1", auth: { secretRef: { accessKeyIDSecretRef: { name: "c", key: "id" }, secretAccessKeySecretRef: { name: "c", key: "s" } } } } };
    const p = await createProvider(spec, { ...ctx, namespace: "", storeKind: "ClusterSecretStore" });
    await expect(p.validate()).rejects.toMatchObject({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG", message: expect.stringContaining("namespace is required") });
    await p.close();
    const read: string[] = [];
    const withNs = structuredClone(spec);
    withNs.aws.auth.secretRef.accessKeyIDSecretRef = { ...withNs.aws.auth.secretRef.accessKeyIDSecretRef, namespace: "creds" } as never;
    withNs.aws.auth.secretRef.secretAccessKeySecretRef = { ...withNs.aws.auth.secretRef.secretAccessKeySecretRef, namespace: "creds" } as never;
    const q = await createProvider(withNs, {
      ...ctx,
      namespace: "",
      storeKind: "ClusterSecretStore",
      readSecret: async (ns, name, key) => {
        read.push(`${ns}/${name}/${key}`);
        return new TextEncoder().encode("x");
      },
    });
    await q.validate();
    expect(read.sort()).toEqual(["creds/c/id", "creds/c/s"]);
    await q.close();
  });
});

describe("the controller's own cloud identity (ambient credentials)", () => {
  const ambient = [
    { aws: { region: "us-east-1" } },
    // A role alone is still assumed with the controller's identity.
    { aws: { region: "us-east-1", role: "arn:aws:iam::123456789012:role/prod-admin" } },
    { gcpsm: { projectID: "prod" } },
  ];
  const noCall = { ...ctx, readSecret: async (): Promise<Uint8Array> => expect.unreachable("no credential read") };

  it("is refused for a namespaced SecretStore (and when the kind is not said), before any call", async () => {
    for (const spec of ambient) {
      for (const storeKind of ["SecretStore", undefined] as const) {
        const err = await createProvider(spec, { ...noCall, ...(storeKind ? { storeKind } : {}) }).then(
          () => undefined,
          (e: unknown) => e as { code?: string; message?: string },
        );
        expect(err?.code, JSON.stringify(spec)).toBe("HUSH_ERR_PROVIDERS_INVALID_CONFIG");
        expect(err?.message).toMatch(/auth is required on a namespaced SecretStore/);
      }
    }
  });

  it("is allowed for a ClusterSecretStore, and for a SecretStore only when the controller opted in", async () => {
    for (const spec of ambient) {
      for (const extra of [{ storeKind: "ClusterSecretStore" as const, namespace: "" }, { storeKind: "SecretStore" as const, allowAmbientCredentials: true }]) {
        const p = await createProvider(spec, { ...noCall, ...extra });
        await p.close();
      }
    }
  });

  it("does not touch stores that bring their own credentials", async () => {
    const own = { aws: { region: "us-east-1", auth: { secretRef: { accessKeyIDSecretRef: { name: "c", key: "id" }, secretAccessKeySecretRef: { name: "c", key: "s" } } } } };
    const p = await createProvider(own, { ...ctx, storeKind: "SecretStore" });
    await p.close();
  });

  it("treats a store of unknown kind like a namespaced one for credential references", async () => {
    const other = { aws: { region: "us-east-1", auth: { secretRef: { accessKeyIDSecretRef: { name: "c", key: "id", namespace: "kube-system" }, secretAccessKeySecretRef: { name: "c", key: "s", namespace: "kube-system" } } } } };
    const p = await createProvider(other, noCall);
    await expect(p.validate()).rejects.toMatchObject({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG", message: expect.stringContaining("must be empty on a namespaced SecretStore") });
    await p.close();
  });
});
