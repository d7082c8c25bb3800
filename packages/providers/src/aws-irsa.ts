import type { AwsBaseIdentity, AwsCredentialChain, AwsCredentialProvider } from "@hush/cloud/aws";
import { isRoleArn, type AwsConfig } from "./aws-config.js";
import { providerError } from "./provider-error.js";
import type { ProviderContext } from "./provider.js";
import { refNamespace, serviceAccountToken, type ServiceAccountSelector } from "./spec.js";

/** The ServiceAccount annotation naming the role to assume with its token (EKS IRSA, read by ESO). */
export const ROLE_ARN_ANNOTATION = "eks.amazonaws.com/role-arn";
/** The ServiceAccount annotation overriding the token audience (default `sts.amazonaws.com`). */
export const AUDIENCE_ANNOTATION = "eks.amazonaws.com/audience";
const DEFAULT_AUDIENCE = "sts.amazonaws.com";
/** The block's field path (`spec.provider.aws`, or a generator's `spec`). */
const blockField = (config: Pick<AwsConfig, "field">): string => config.field ?? "spec.provider.aws";
const saField = (config: Pick<AwsConfig, "field">): string => `${blockField(config)}.auth.jwt.serviceAccountRef`;

/** Who `auth.jwt` acts as: the web-identity role, the roles chained after it, the token audiences. */
export interface WebIdentityPlan {
  readonly roleArn: string;
  readonly roles: readonly string[];
  readonly audiences: readonly string[];
}

/**
 * Decides the web identity of `auth.jwt` from the store and the ServiceAccount's annotations,
 * as ESO does: the role is the `eks.amazonaws.com/role-arn` annotation, the token audience
 * `eks.amazonaws.com/audience` (else `sts.amazonaws.com`) followed by `serviceAccountRef.audiences`,
 * and the store's `role` (then `additionalRoles`) is assumed on top. A ServiceAccount without
 * the annotation falls back to the store's `role` as the web-identity role (hush's earlier rule);
 * with neither there is no role to assume. Pure: the annotations are passed in.
 *
 * @throws `HUSH_ERR_PROVIDERS_INVALID_CONFIG` when no role is known or the annotation is not a role ARN.
 */
export function planWebIdentity(config: Pick<AwsConfig, "role" | "additionalRoles" | "field">, sa: ServiceAccountSelector, saNamespace: string, annotations: Readonly<Record<string, string>> | undefined): WebIdentityPlan {
  const FIELD = saField(config);
  const annotated = annotations?.[ROLE_ARN_ANNOTATION];
  if (annotated !== undefined && annotated !== "" && !isRoleArn(annotated)) {
    throw providerError("invalid-config", `${FIELD}: the ${ROLE_ARN_ANNOTATION} annotation of service account ${saNamespace}/${sa.name} is not an IAM role ARN`);
  }
  const audienceAnnotation = annotations?.[AUDIENCE_ANNOTATION];
  const audiences = [audienceAnnotation ? audienceAnnotation : DEFAULT_AUDIENCE, ...(sa.audiences ?? [])];
  if (audiences.some((a) => a.length > 256)) throw providerError("invalid-config", `${FIELD}: a token audience is longer than 256 characters`);
  if (annotated) {
    return { roleArn: annotated, roles: [...(config.role ? [config.role] : []), ...config.additionalRoles], audiences };
  }
  if (config.role) return { roleArn: config.role, roles: [...config.additionalRoles], audiences };
  throw providerError(
    "invalid-config",
    `${FIELD}: an IAM role must be associated with service account ${saNamespace}/${sa.name} (annotation ${ROLE_ARN_ANNOTATION}) or named in ${blockField(config)}.role`,
  );
}

/**
 * The credential chain of `auth.jwt`, built on first use: the ServiceAccount is read then (not
 * when the store is built), and read again after any failure, so a changed annotation is picked
 * up at the next use that follows a failed one. `chainFor` builds the chain for a base identity
 * and the roles assumed after it (externalID goes on the first of them).
 */
export function webIdentityChain(
  config: AwsConfig,
  ctx: ProviderContext,
  sa: ServiceAccountSelector,
  chainFor: (base: AwsBaseIdentity, roles: readonly string[]) => AwsCredentialChain,
): AwsCredentialChain {
  const FIELD = saField(config);
  let current: Promise<AwsCredentialChain> | undefined;
  const built = new Set<AwsCredentialChain>();
  const resolve = async (): Promise<AwsCredentialChain> => {
    const ns = refNamespace(ctx, sa, FIELD);
    let annotations: Record<string, string> | undefined;
    if (ctx.serviceAccountAnnotations) {
      try {
        annotations = await ctx.serviceAccountAnnotations(ns, sa.name);
      } catch (err) {
        // A store naming its role needs no annotation: keep working where the controller may
        // mint tokens but not read the ServiceAccount (RBAC from before the annotation was read).
        if (!config.role) throw providerError("access-denied", `${FIELD}: cannot read service account ${ns}/${sa.name}`, err);
      }
    }
    const plan = planWebIdentity(config, sa, ns, annotations);
    const chain = chainFor(
      {
        kind: "web-identity",
        roleArn: plan.roleArn,
        token: () => serviceAccountToken(ctx, { ...sa, audiences: [...plan.audiences] }, [...plan.audiences], `${blockField(config)}.auth.jwt`),
      },
      plan.roles,
    );
    built.add(chain);
    return chain;
  };
  const credentials: AwsCredentialProvider = async () => {
    const attempt = (current ??= resolve());
    try {
      const chain = await attempt;
      return await chain.credentials!();
    } catch (err) {
      // Read the ServiceAccount again next time: its annotation may have been fixed.
      if (current === attempt) {
        current = undefined;
        void attempt.then((chain) => {
          built.delete(chain);
          chain.close();
        }, () => undefined);
      }
      throw err;
    }
  };
  return {
    credentials,
    clientConfig: {},
    close: () => {
      for (const c of built) c.close();
      built.clear();
    },
  };
}
