/**
 * @packageDocumentation
 * The shell shared by hush's long-running processes (webhook, controller): a fastify
 * factory with `/healthz`, `/readyz` and `/metrics`, a logger that redacts payloads and
 * never prints library error text, TLS hot reload and graceful shutdown. It knows nothing
 * about admission, secrets or reconciling.
 */
export { createOpsServer, setTls, type OpsServerOptions } from "./ops-server.js";
export { opsPlugin, createMetricsRegistry, type OpsPluginOptions, type ReadinessCheck } from "./ops-plugin.js";
export { loggerOptions, serializeError, defaultRedactPaths, type LoggerSettings, type LogSink } from "./logger.js";
export { loadTlsFiles, watchTlsFiles, type TlsFiles, type TlsMaterial, type TlsWatch, type WatchTlsOptions } from "./tls-files.js";
export { parseListenAddress, type ListenAddress } from "./listen-address.js";
export { closeOnSignal, type SignalSource } from "./shutdown.js";
