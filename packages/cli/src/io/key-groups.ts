import type { KeyGroup, MasterKey, MasterKeyRef } from "@hush/sops";

/** A key's identity for add/remove comparisons (type plus what names it; never `enc`). */
export function keyIdentity(key: MasterKeyRef): string {
  switch (key.type) {
    case "age":
      return `age:${key.recipient}`;
    case "pgp":
      return `pgp:${key.fp.replace(/^0x/i, "").toUpperCase()}`;
    case "kms":
      return `kms:${key.arn}+${key.role ?? ""}+${key.aws_profile}+${JSON.stringify(Object.entries(key.context ?? {}).sort())}`;
    case "gcp_kms":
      return `gcp_kms:${key.resource_id}`;
    case "hc_vault":
      return `hc_vault:${key.vault_address}/v1/${key.engine_path}/keys/${key.key_name}`;
    case "azure_kv":
      return `azure_kv:${key.vault_url}/${key.name}/${key.version}`;
    case "hckms":
      return `hckms:${key.key_id}`;
  }
}

/** The looser identity `--rm-*` matches on (a KMS ARN alone, any role/context). */
function removalIdentity(key: MasterKeyRef): string {
  return key.type === "kms" ? `kms:${key.arn}` : keyIdentity(key);
}

/** A master key without its wrapped data key, ready to be wrapped again. */
export function toRef(key: MasterKey | MasterKeyRef): MasterKeyRef {
  const { enc: _enc, created_at: _created, ...ref } = key as MasterKey;
  return ref as MasterKeyRef;
}

/**
 * Applies `rotate --add-*` / `--rm-*`: added keys go to the first group (skipping ones it
 * already has), removed keys are taken out of every group, and groups left empty disappear.
 */
export function changeKeyGroups(
  groups: readonly KeyGroup<MasterKeyRef>[],
  add: readonly MasterKeyRef[],
  remove: readonly MasterKeyRef[],
): KeyGroup<MasterKeyRef>[] {
  const gone = new Set(remove.map(removalIdentity));
  const out = groups.map((g) => g.map(toRef).filter((k) => !gone.has(removalIdentity(k))));
  if (add.length > 0) {
    const first = out[0] ?? [];
    const have = new Set(first.map(keyIdentity));
    for (const k of add) if (!have.has(keyIdentity(k))) first.push(k);
    if (out.length === 0) out.push(first);
  }
  return out.filter((g) => g.length > 0);
}

/** Per group: keys only in `after` (added) and only in `before` (removed). */
export function diffKeyGroups(
  before: readonly KeyGroup<MasterKeyRef>[],
  after: readonly KeyGroup<MasterKeyRef>[],
): Array<{ group: number; kept: string[]; added: string[]; removed: string[] }> {
  const out: Array<{ group: number; kept: string[]; added: string[]; removed: string[] }> = [];
  for (let i = 0; i < Math.max(before.length, after.length); i++) {
    const b = new Map((before[i] ?? []).map((k) => [keyIdentity(k), k]));
    const a = new Map((after[i] ?? []).map((k) => [keyIdentity(k), k]));
    out.push({
      group: i + 1,
      kept: [...a.keys()].filter((id) => b.has(id)),
      added: [...a.keys()].filter((id) => !b.has(id)),
      removed: [...b.keys()].filter((id) => !a.has(id)),
    });
  }
  return out;
}
