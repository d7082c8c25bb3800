import { createRequire } from "node:module";

const load = createRequire(import.meta.url);

/**
 * A dependency loaded on first use. The full YAML parser and the RE2 engine are needed only
 * for YAML the fast reader leaves aside, `.sops.yaml` files and regex selectors; loading them
 * up front cost every `hush decrypt` part of its start-up. Synchronous, so the core stays so.
 */
export function lazy<T>(name: string): () => T {
  let mod: T | undefined;
  return () => (mod ??= load(name) as T);
}
