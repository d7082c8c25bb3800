import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isHushError } from "@hush/errors";
import { afterAll, describe, expect, it } from "vitest";
import { resolveEditor, runEditor } from "./editor.js";

describe("editor", () => {
  const dir = mkdtempSync(join(tmpdir(), "hush-editor-test-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("prefers SOPS_EDITOR, then EDITOR, split shell-like, then vim/nano/vi on PATH", () => {
    expect(resolveEditor({ SOPS_EDITOR: "code --wait", EDITOR: "vim" })).toEqual(["code", "--wait"]);
    expect(resolveEditor({ EDITOR: "'my editor' -n" })).toEqual(["my editor", "-n"]);
    writeFileSync(join(dir, "nano"), "#!/bin/sh\n");
    chmodSync(join(dir, "nano"), 0o755);
    expect(resolveEditor({ PATH: dir })).toEqual(["nano"]);
    try {
      resolveEditor({ PATH: join(dir, "empty") });
      expect.unreachable();
    } catch (err) {
      expect(isHushError(err) && [err.code, err.exitCode]).toEqual(["HUSH_ERR_CLI_NO_EDITOR", 201]);
    }
  });

  it("runs the editor on the file and maps failures to exit 201", async () => {
    const file = join(dir, "f.txt");
    writeFileSync(file, "x");
    await expect(runEditor(["/bin/sh", "-c", 'test -f "$0"'], file)).resolves.toBeUndefined();
    await expect(runEditor(["/bin/false"], file)).rejects.toMatchObject({ code: "HUSH_ERR_CLI_NO_EDITOR", exitCode: 201 });
    await expect(runEditor([join(dir, "missing-editor")], file)).rejects.toMatchObject({ code: "HUSH_ERR_CLI_NO_EDITOR" });
  });
});
