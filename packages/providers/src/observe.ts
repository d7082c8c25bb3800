import { providerErrorKind, type ProviderContext } from "./provider.js";

/**
 * Runs one provider API call and reports it to `ctx.observe` (operation and result kind only).
 * `map` turns a raw SDK failure into the typed error that is thrown and reported.
 */
export async function observed<T>(
  ctx: ProviderContext,
  provider: string,
  operation: string,
  call: () => Promise<T>,
  map: (err: unknown) => Error,
): Promise<T> {
  const start = ctx.now();
  try {
    const value = await call();
    ctx.observe?.({ provider, operation, result: "ok", durationMs: ctx.now() - start });
    return value;
  } catch (err) {
    const mapped = map(err);
    ctx.observe?.({ provider, operation, result: providerErrorKind(mapped), durationMs: ctx.now() - start });
    throw mapped;
  }
}
