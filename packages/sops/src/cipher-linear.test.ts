import { describe, expect, it } from "vitest";
import { isEncryptedValue, parseEncryptedValue } from "./cipher.js";

// The ENC[] parser sees values Git authors write. The lazy regex it replaced backtracked
// polynomially (a 6.8 KB value took seconds); the scanner must stay linear at a full 1 MiB.
const MiB = 1024 * 1024;
const fill = (head: string, unit: string, tail = "") => head + unit.repeat(Math.ceil((MiB - head.length) / unit.length)) + tail;

describe("ENC[] parsing is linear time", () => {
  it.for([
    ["separators without the closing bracket", fill("ENC[AES256_GCM,data:", ",iv:,tag:,type:")],
    ["iv markers only", fill("ENC[AES256_GCM,data:", ",iv:")],
    ["tag markers after one iv", fill("ENC[AES256_GCM,data:x,iv:", ",tag:")],
    ["type markers, no bracket", fill("ENC[AES256_GCM,data:x,iv:y,tag:", ",type:")],
    ["newlines (the pattern ran in dotAll mode)", fill("ENC[AES256_GCM,data:", "\n,iv:\n")],
  ] as const)("%s: 1 MiB answered well under a second", ([, value]) => {
    const started = performance.now();
    expect(isEncryptedValue(value)).toBe(false);
    expect(parseEncryptedValue(value)).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("still reads well-formed values, taking the first separator each time like the lazy pattern did", () => {
    expect(parseEncryptedValue("ENC[AES256_GCM,data:YWJj,iv:AAEC,tag:AwQF,type:str]")).toEqual({
      data: Buffer.from("abc"), iv: Buffer.from([0, 1, 2]), tag: Buffer.from([3, 4, 5]), type: "str",
    });
    expect(parseEncryptedValue("ENC[AES256_GCM,data:,iv:,tag:,type:]")).toMatchObject({ type: "" });
    expect(parseEncryptedValue("ENC[AES256_GCM,data:a,iv:b,tag:c,type:str] trailing")?.type).toBe("str");
    expect(parseEncryptedValue("ENC[AES256_GCM,data:a,iv:b,tag:c,type:x]y]")?.type).toBe("x");
    expect(isEncryptedValue(" ENC[AES256_GCM,data:a,iv:b,tag:c,type:str]")).toBe(false);
    expect(isEncryptedValue("ENC[AES256_GCM,data:a,tag:c,iv:b,type:str]")).toBe(false);
    expect(isEncryptedValue(42)).toBe(false);
  });
});
