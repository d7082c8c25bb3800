import type { ProviderCall, ProviderContext } from "@hush/providers";

/** An in-memory ProviderContext: Kubernetes Secrets as a map, a settable clock, recorded calls. */
export interface TestContext extends ProviderContext {
  secrets: Map<string, string>;
  calls: ProviderCall[];
  clock: { now: number };
  count(operation: string, result?: string): number;
}

export function testContext(overrides: Partial<ProviderContext> = {}): TestContext {
  const secrets = new Map<string, string>();
  const calls: ProviderCall[] = [];
  const clock = { now: Date.UTC(2026, 0, 1) };
  return {
    namespace: "team-a",
    storeKind: "SecretStore",
    secrets,
    calls,
    clock,
    now: () => clock.now,
    async readSecret(ns, name, key) {
      const v = secrets.get(`${ns}/${name}/${key}`);
      if (v === undefined) throw new Error(`secret ${ns}/${name} has no key ${key}`);
      return new TextEncoder().encode(v);
    },
    observe: (call) => calls.push(call),
    count: (operation, result = "ok") => calls.filter((c) => c.operation === operation && c.result === result).length,
    ...overrides,
  };
}

export const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Every string an error exposes (message, hint, nested messages except `cause`). */
export function exposed(err: unknown): string {
  const e = err as { message?: string; hint?: string; code?: string };
  return [e.message, e.hint, e.code, String(err)].join("\n");
}
