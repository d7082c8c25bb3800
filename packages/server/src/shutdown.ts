import type { FastifyInstance } from "fastify";

/** Where termination signals come from (the process, or an emitter in tests). */
export interface SignalSource {
  once(event: NodeJS.Signals, listener: () => void): unknown;
  off(event: NodeJS.Signals, listener: () => void): unknown;
}

/**
 * Closes `app` gracefully on the first of `signals` (default SIGTERM and SIGINT): stop
 * accepting connections, answer 503 to new requests, let in-flight ones finish. Resolves
 * with the signal once the server is closed, or with `"closed"` if its listening socket was
 * closed otherwise. Call it after `listen()` or before; it adds no fastify hooks.
 * It never exits the process; the shell decides what happens next.
 */
export function closeOnSignal(
  app: FastifyInstance,
  source: SignalSource = process,
  signals: readonly NodeJS.Signals[] = ["SIGTERM", "SIGINT"],
): Promise<NodeJS.Signals | "closed"> {
  return new Promise((resolve) => {
    let signalled = false;
    const handlers = new Map<NodeJS.Signals, () => void>();
    const detach = () => {
      for (const [signal, handler] of handlers) source.off(signal, handler);
    };
    for (const signal of signals) {
      const handler = () => {
        signalled = true;
        detach();
        app.log.info({ signal }, "shutting down");
        void app.close().then(() => resolve(signal));
      };
      handlers.set(signal, handler);
      source.once(signal, handler);
    }
    // The HTTP server's own close event: unlike an onClose hook it can be attached after listen().
    app.server.once("close", () => {
      detach();
      if (!signalled) resolve("closed");
    });
  });
}
