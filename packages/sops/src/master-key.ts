/** The key types sops knows, by the name used in metadata and `--decryption-order`. */
export type KeyType = "age" | "pgp" | "kms" | "gcp_kms" | "azure_kv" | "hc_vault" | "hckms";

/** Every key type, in the order sops collects them inside a group when reading a file. */
export const keyTypesReadOrder: readonly KeyType[] = ["kms", "gcp_kms", "hckms", "azure_kv", "hc_vault", "pgp", "age"];

/**
 * A master key as described in `.sops.yaml`, on the command line or in a file's metadata,
 * without the wrapped data key. Field names are exactly sops's metadata names.
 */
export type MasterKeyRef =
  | { readonly type: "age"; readonly recipient: string }
  | { readonly type: "pgp"; readonly fp: string }
  | {
      readonly type: "kms";
      readonly arn: string;
      readonly role?: string;
      readonly context?: Readonly<Record<string, string>>;
      readonly aws_profile: string;
    }
  | { readonly type: "gcp_kms"; readonly resource_id: string }
  | { readonly type: "azure_kv"; readonly vault_url: string; readonly name: string; readonly version: string }
  | { readonly type: "hc_vault"; readonly vault_address: string; readonly engine_path: string; readonly key_name: string }
  | { readonly type: "hckms"; readonly key_id: string };

/**
 * A master key with the data key (or Shamir share) it wrapped. `created_at` is absent for
 * age, as sops writes it.
 */
export type MasterKey = MasterKeyRef & { readonly enc: string; readonly created_at?: string };

/** A key group: any one of its keys can recover the group's share. */
export type KeyGroup<K = MasterKey> = readonly K[];

/** A short, value-free description of a key for error messages ("age1abc…", an ARN, a URI). */
export function describeKey(key: MasterKeyRef): string {
  switch (key.type) {
    case "age":
      return `age ${key.recipient}`;
    case "pgp":
      return `pgp ${key.fp}`;
    case "kms":
      return `kms ${key.arn}${key.role ? `+${key.role}` : ""}`;
    case "gcp_kms":
      return `gcp_kms ${key.resource_id}`;
    case "azure_kv":
      return `azure_kv ${key.vault_url}/keys/${key.name}/${key.version}`;
    case "hc_vault":
      return `hc_vault ${key.vault_address}/v1/${key.engine_path}/keys/${key.key_name}`;
    case "hckms":
      return `hckms ${key.key_id}`;
  }
}
