import { defineCodes } from "./define.js";

/** Errors raised by @hush/sops, the pure SOPS v3 format. Exit codes are sops's. */
export const sopsCodes = defineCodes({
  HUSH_ERR_SOPS_PARSE_PLAINTEXT: { exitCode: 2, hint: "fix the syntax of the input file or pass the right --input-type" },
  HUSH_ERR_SOPS_PARSE_ENCRYPTED: { exitCode: 1, hint: "the file is not a valid sops file of this type; pass the right --input-type" },
  HUSH_ERR_SOPS_EMIT: { exitCode: 4, hint: "choose an output type that can hold this data (e.g. nested values need yaml or json)" },
  HUSH_ERR_SOPS_EMPTY_FILE: { exitCode: 92, hint: "a YAML file needs at least one document; write `{}` for an empty one" },
  HUSH_ERR_SOPS_ALREADY_ENCRYPTED: { exitCode: 203, hint: "the file already carries sops metadata; decrypt it first or use `hush rotate`" },
  HUSH_ERR_SOPS_ENCRYPT_TREE: { exitCode: 23, hint: "keys must be strings and integers must fit in 64 bits; quote the offending key or value" },
  HUSH_ERR_SOPS_DECRYPT_VALUE: { exitCode: 25, hint: "the file was modified after encryption or a value was moved to another key; restore it from version control" },
  HUSH_ERR_SOPS_MAC_MISMATCH: { exitCode: 51, hint: "the file was modified after encryption; restore it, or pass --ignore-mac if you trust the change" },
  HUSH_ERR_SOPS_METADATA_NOT_FOUND: { exitCode: 1, hint: "the file is not encrypted by sops/hush (no `sops` metadata); check the file and --input-type" },
  HUSH_ERR_SOPS_METADATA_INVALID: { exitCode: 1, hint: "the `sops` metadata block is damaged; restore the file from version control" },
  HUSH_ERR_SOPS_SELECTOR_CONFLICT: { exitCode: 1, hint: "set at most one of unencrypted_suffix, encrypted_suffix, unencrypted_regex, encrypted_regex, unencrypted_comment_regex, encrypted_comment_regex" },
  HUSH_ERR_SOPS_INVALID_REGEX: { exitCode: 1, hint: "fix the regular expression (Go RE2 syntax)" },
  HUSH_ERR_SOPS_NO_KEYS: { exitCode: 1, hint: "give at least one key (--age, --kms, --pgp, … or a .sops.yaml creation rule)" },
  HUSH_ERR_SOPS_KEY_UNAVAILABLE: { exitCode: 128, hint: "make a matching key available (e.g. SOPS_AGE_KEY_FILE for age) and retry" },
  HUSH_ERR_SOPS_SHAMIR: { exitCode: 128, hint: "the key shares do not combine; make more key groups' keys available" },
  HUSH_ERR_SOPS_EXTRACT_PATH: { exitCode: 91, hint: "use the form [\"key\"][0][\"sub\"]" },
  HUSH_ERR_SOPS_EXTRACT_NOT_FOUND: { exitCode: 1, hint: "the path names no value in this file; decrypt the whole file to see its keys" },
  HUSH_ERR_SOPS_INVALID_KEY: { exitCode: 1, hint: "check the key's syntax (e.g. https://vault:8200/v1/transit/keys/name, arn:aws:kms:…)" },
  HUSH_ERR_SOPS_CONFIG: { exitCode: 1, hint: "fix .sops.yaml" },
  HUSH_ERR_SOPS_NO_CREATION_RULE: { exitCode: 1, hint: "add a matching creation rule to .sops.yaml or pass a key flag such as --age" },
  HUSH_ERR_SOPS_ENCRYPT_MAC: { exitCode: 21, hint: "this is a bug in hush; please report it" },
});
