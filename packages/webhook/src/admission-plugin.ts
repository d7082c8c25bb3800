import type { FastifyError, FastifyPluginAsync } from "fastify";
import { isHushError } from "@hush/errors";
import { resolveFacts, type FactsSource } from "./facts.js";
import { judge } from "./judge.js";
import type { WebhookMetrics } from "./metrics.js";
import { neededFacts } from "./ownership.js";
import type { WebhookPolicy } from "./policy.js";
import { toAdmissionResponse } from "./response.js";
import { parseAdmissionReview, type AdmissionReview } from "./review.js";

/** Options of {@link admissionPlugin}. */
export interface AdmissionPluginOptions {
  readonly policy: WebhookPolicy;
  readonly facts?: FactsSource;
  readonly metrics: WebhookMetrics;
  /** Monotonic clock in seconds, for the latency histogram. */
  readonly now?: () => number;
  /**
   * Answer `/validate` only to TLS clients whose certificate the server verified (`--client-ca`):
   * the API server, not any pod that reaches the port.
   */
  readonly requireClientCert?: boolean;
}

// The envelope is checked by ajv before the handler runs; parseAdmissionReview then narrows
// the parts the policy reads. Both reject; neither ever answers "allowed" to a bad body.
const bodySchema = {
  type: "object",
  required: ["apiVersion", "kind", "request"],
  properties: {
    apiVersion: { const: "admission.k8s.io/v1" },
    kind: { const: "AdmissionReview" },
    request: {
      type: "object",
      required: ["uid", "kind", "operation", "userInfo"],
      properties: {
        uid: { type: "string", minLength: 1, maxLength: 128 },
        operation: { enum: ["CREATE", "UPDATE", "DELETE", "CONNECT"] },
        kind: { type: "object", required: ["group", "version", "kind"] },
        userInfo: { type: "object", required: ["username"], properties: { username: { type: "string" } } },
      },
    },
  },
} as const;

/**
 * `POST /validate`: the validating admission endpoint. Malformed bodies get 400 and
 * oversized ones 413 (fastify's `bodyLimit`); every well-formed review gets an
 * AdmissionReview back with the same `uid`. Error text from parsers never reaches the reply.
 */
export const admissionPlugin: FastifyPluginAsync<AdmissionPluginOptions> = async (app, opts) => {
  const now = opts.now ?? (() => performance.now() / 1000);

  // A Secret key may be `__proto__`. JSON.parse makes it an own data property (never the
  // prototype), and parseAdmissionReview copies maps into null-prototype objects, so the key is
  // judged like any other instead of failing the review with fastify's poisoning guard.
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string) as unknown);
    } catch {
      done(Object.assign(new Error("the body is not JSON"), { statusCode: 400 }), undefined);
    }
  });

  if (opts.requireClientCert) {
    app.addHook("onRequest", async (req, reply) => {
      const socket = req.raw.socket as { authorized?: boolean };
      if (socket.authorized !== true) {
        opts.metrics.rejected(401);
        return reply.code(401).send({ code: "HUSH_ERR_WEBHOOK_UNAUTHENTICATED", message: "present a client certificate signed by the configured client CA" });
      }
      return undefined;
    });
  }

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = typeof err.statusCode === "number" && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    opts.metrics.rejected(status);
    // Our own messages name the field; library messages (JSON, ajv) may quote the input.
    const message = isHushError(err)
      ? err.message
      : status === 413
        ? "the AdmissionReview is larger than the webhook accepts"
        : status === 415
          ? "send the AdmissionReview as application/json"
          : status < 500
            ? "the body is not a valid admission.k8s.io/v1 AdmissionReview"
            : "internal error";
    if (status >= 500) req.log.error({ err, statusCode: status }, "admission request failed");
    else req.log.warn({ err, statusCode: status }, "rejected admission request");
    return reply.code(status).send({ code: isHushError(err) ? err.code : status < 500 ? "HUSH_ERR_WEBHOOK_BAD_REVIEW" : "HUSH_ERR_WEBHOOK_INTERNAL", message });
  });

  app.post("/validate", { schema: { body: bodySchema } }, async (req) => {
    const started = now();
    const request = parseReviewOr400(req.body).request;
    const needed = neededFacts(request, opts.policy);
    // Most reviews need no lookup; skipping the await keeps them off an extra promise round.
    const facts = needed.kustomization || needed.application || needed.helmRelease ? await resolveFacts(needed, opts.facts) : {};
    const verdict = judge(request, opts.policy, facts);
    opts.metrics.observe(verdict, now() - started);
    if (verdict.reason !== "not-judged" && verdict.reason !== "not-gitops") {
      req.log.info(
        { uid: request.uid, kind: request.kind.kind, namespace: request.namespace, name: request.name, user: request.userInfo.username,
          operation: request.operation, dryRun: request.dryRun, allowed: verdict.allowed, reason: verdict.reason, mode: verdict.mode },
        "admission decision",
      );
    }
    return toAdmissionResponse(request.uid, verdict);
  });
};

function parseReviewOr400(body: unknown): AdmissionReview {
  try {
    return parseAdmissionReview(body);
  } catch (err) {
    if (isHushError(err)) Object.assign(err, { statusCode: 400 });
    throw err;
  }
}
