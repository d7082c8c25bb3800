import { awsErrorNameKind, classifyAwsError } from "@hush/cloud/aws";
import type { HushError } from "@hush/errors";
import { fromCloudFailure } from "./provider-error.js";

type Kind = "not-found" | "access-denied" | "throttled" | "unavailable" | "invalid-config";

/**
 * Maps an AWS error *name* (as in `BatchGetSecretValue`'s `Errors[].ErrorCode`, or an SDK
 * exception's `name`) and optional HTTP status to a normalised kind, through the shared AWS
 * classifier. `message` is consulted only to recognise "marked for deletion", never copied.
 */
export function awsErrorKind(name: string, status?: number, message?: string): Kind {
  switch (awsErrorNameKind(name, status, message)) {
    case "not-found":
      return "not-found";
    case "access-denied":
    case "no-credentials":
      return "access-denied";
    case "throttled":
      return "throttled";
    case "invalid-request":
      return "invalid-config";
    default:
      return "unavailable";
  }
}

/**
 * Turns anything an AWS SDK call threw into a `HushError`. `what` describes the operation and
 * key (`get secret "db"`); `service` names the AWS service in the message. Classified and summarised once, at the cloud edge: the cause is a
 * summary (name, status, request id), as the SDK error's `$response` reaches the signed request.
 */
export function mapAwsError(err: unknown, what: string, signal?: AbortSignal, service = "aws secretsmanager"): HushError {
  return fromCloudFailure(classifyAwsError(err, signal), service, what, "unavailable");
}
