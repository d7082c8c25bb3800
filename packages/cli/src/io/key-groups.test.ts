import type { KeyGroup, MasterKey, MasterKeyRef } from "@hush/sops";
import { describe, expect, it } from "vitest";
import { changeKeyGroups, diffKeyGroups, keyIdentity, toRef } from "./key-groups.js";

const age = (r: string): MasterKeyRef => ({ type: "age", recipient: r });
const kms = (arn: string, role?: string): MasterKeyRef => ({ type: "kms", arn, ...(role && { role }), aws_profile: "" });

describe("key group changes", () => {
  it("drops the wrapped key when turning a master key back into a reference", () => {
    const key: MasterKey = { type: "pgp", fp: "AB", enc: "-----BEGIN PGP MESSAGE-----", created_at: "2026-01-01T00:00:00Z" };
    expect(toRef(key)).toEqual({ type: "pgp", fp: "AB" });
  });

  it("adds to the first group without duplicates and removes from every group", () => {
    const groups: KeyGroup<MasterKeyRef>[] = [[age("age1a"), kms("arn:aws:kms:eu-west-1:1:key/k", "arn:aws:iam::1:role/r")], [age("age1b")]];
    const out = changeKeyGroups(groups, [age("age1a"), age("age1c")], [kms("arn:aws:kms:eu-west-1:1:key/k"), age("age1b")]);
    expect(out).toEqual([[age("age1a"), age("age1c")]]);
    expect(changeKeyGroups([], [age("age1x")], [])).toEqual([[age("age1x")]]);
  });

  it("diffs groups by key identity", () => {
    const diff = diffKeyGroups([[age("age1a"), age("age1b")]], [[age("age1a"), age("age1c")], [kms("arn:x")]]);
    expect(diff).toEqual([
      { group: 1, kept: ["age:age1a"], added: ["age:age1c"], removed: ["age:age1b"] },
      { group: 2, kept: [], added: [keyIdentity(kms("arn:x"))], removed: [] },
    ]);
    expect(keyIdentity({ type: "pgp", fp: "0xabcd" })).toBe(keyIdentity({ type: "pgp", fp: "ABCD" }));
  });
});
