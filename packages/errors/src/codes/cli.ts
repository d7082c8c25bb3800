import { defineCodes } from "./define.js";

/** Errors raised by the command-line shell itself (arguments, files, config discovery). */
export const cliCodes = defineCodes({
  HUSH_ERR_CLI_USAGE: { exitCode: 1, hint: "run `hush --help` for usage" },
  HUSH_ERR_CLI_CONFLICTING_PARAMETERS: { exitCode: 8, hint: "drop one of the conflicting flags" },
  HUSH_ERR_CLI_NO_FILE: { exitCode: 100, hint: "pass an existing file path" },
  HUSH_ERR_CLI_READ_INPUT: { exitCode: 2, hint: "check the file exists and is readable" },
  HUSH_ERR_CLI_WRITE_OUTPUT: { exitCode: 3, hint: "check the target directory exists and is writable" },
  HUSH_ERR_CLI_CONFIG: { exitCode: 1, hint: "fix .sops.yaml (see `hush --help`)" },
  HUSH_ERR_CLI_NO_CREATION_RULE: {
    exitCode: 1,
    hint: "add a matching creation rule to .sops.yaml or pass a key flag such as --age",
  },
  HUSH_ERR_CLI_DUPLICATE_DECRYPTION_KEY_TYPE: { exitCode: 112, hint: "name each key type once in --decryption-order" },
  HUSH_ERR_CLI_INTERNAL: { exitCode: 1, hint: "this is a bug in hush; please report it" },
  HUSH_ERR_CLI_FILE_NOT_MODIFIED: { exitCode: 200, hint: "nothing was changed, so the file was left as it was" },
  HUSH_ERR_CLI_NO_EDITOR: {
    exitCode: 201,
    hint: "set SOPS_EDITOR or EDITOR to an editor that exits 0 after saving (e.g. `vim`, `code --wait`)",
  },
  HUSH_ERR_CLI_EDIT_INVALID: {
    exitCode: 2,
    hint: "fix the syntax; run hush edit from a terminal to be offered the editor again",
  },
  HUSH_ERR_CLI_INVALID_SET: { exitCode: 7, hint: "use `hush set FILE '[\"key\"][0]' '<JSON value>'`" },
  HUSH_ERR_CLI_EMPTY_KEY_GROUP: {
    exitCode: 1,
    hint: "give every key group of the creation rule at least one key, or pass a key flag such as --age",
  },
  HUSH_ERR_CLI_UNKNOWN_COMMAND: { exitCode: 1, hint: "run `hush --help` for the list of commands" },
  HUSH_ERR_CLI_PUBLISH: { exitCode: 1, hint: "check the destination_rules of .sops.yaml and that the destination is reachable" },
  HUSH_ERR_CLI_KEYS_NONEXISTENT_FILE: { exitCode: 49, hint: "encrypt the file first; --add-*/--rm-* change keys of an existing file" },
});
