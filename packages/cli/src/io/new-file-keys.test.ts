import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveNewFileKeys } from "./new-file-keys.js";

describe("resolveNewFileKeys", () => {
  const dir = mkdtempSync(join(tmpdir(), "hush-new-file-keys-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const recipient = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
  const config = join(dir, ".sops.yaml");
  writeFileSync(
    config,
    `creation_rules:\n  - path_regex: prod/\n    shamir_threshold: 2\n    key_groups:\n      - age: [${recipient}]\n      - pgp: [FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4]\n    encrypted_suffix: _secret\n`,
  );

  it("takes groups, threshold and selector from the matching rule", async () => {
    const keys = await resolveNewFileKeys({ config }, join(dir, "prod", "a.yaml"), {});
    expect(keys.keyGroups.map((g) => g.map((k) => k.type))).toEqual([["age"], ["pgp"]]);
    expect(keys.threshold).toBe(2);
    expect(keys.selectors).toEqual({ rule: { name: "encrypted_suffix", value: "_secret" } });
  });

  it("lets key flags replace the rule's keys with one group (sops's order, age last)", async () => {
    const keys = await resolveNewFileKeys(
      { config, age: recipient, kms: "arn:aws:kms:eu-west-1:1:key/k", encryptionContext: "a:b", unencryptedRegex: "^public" },
      join(dir, "prod", "a.yaml"),
      {},
    );
    expect(keys.keyGroups.map((g) => g.map((k) => k.type))).toEqual([["kms", "age"]]);
    expect(keys.selectors).toEqual({ rule: { name: "unencrypted_regex", value: "^public" } });
  });

  it("falls back to SOPS_* environment keys and fails without any key", async () => {
    const keys = await resolveNewFileKeys({ config: "/dev/null" }, "x.yaml", { SOPS_AGE_RECIPIENTS: recipient });
    expect(keys.keyGroups).toEqual([[{ type: "age", recipient }]]);
    await expect(resolveNewFileKeys({ config: "/dev/null" }, "x.yaml", {})).rejects.toMatchObject({ code: "HUSH_ERR_CLI_NO_CREATION_RULE" });
    await expect(resolveNewFileKeys({ config }, join(dir, "dev", "a.yaml"), {})).rejects.toMatchObject({ code: "HUSH_ERR_CLI_NO_CREATION_RULE" });
  });

  it("fails like sops when .sops.yaml has creation rules and none matches, even with key flags", async () => {
    const err = await resolveNewFileKeys({ config, age: recipient }, join(dir, "dev", "a.yaml"), {}).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "HUSH_ERR_CLI_NO_CREATION_RULE", exitCode: 1 });
    expect((err as Error).message).toContain("no matching creation rules found");
    expect((err as { hint: string }).hint).toContain("path_regex");
  });

  it("a rule with no keys, zero key groups or an empty key group: sops's own message, printed verbatim", async () => {
    const empty = join(dir, "empty.sops.yaml");
    writeFileSync(empty, "creation_rules:\n  - path_regex: none\\.yaml$\n  - path_regex: zero\\.yaml$\n    key_groups: []\n  - path_regex: hollow\\.yaml$\n    key_groups:\n      - {}\n");
    for (const name of ["none.yaml", "zero.yaml", "hollow.yaml"]) {
      const err = await resolveNewFileKeys({ config: empty }, join(dir, name), {}).catch((e: unknown) => e);
      expect(err, name).toMatchObject({ code: "HUSH_ERR_CLI_EMPTY_KEY_GROUP", exitCode: 1, verbatim: true, message: "Could not generate data key: [empty key group provided]" });
    }
  });
});
