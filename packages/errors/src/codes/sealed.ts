import { defineCodes } from "./define.js";

/** Errors raised by @hush/sealed (Sealed Secrets: seal, unseal, migrate). Codes are never reused once released. */
export const sealedCodes = defineCodes({
  HUSH_ERR_SEALED_INVALID_INPUT: {
    exitCode: 1,
    hint: "pass a Secret (to seal) or a SealedSecret (to unseal) manifest in YAML or JSON",
  },
  HUSH_ERR_SEALED_INVALID_CERT: {
    exitCode: 1,
    hint: "pass the controller's PEM certificate (`hush seal --fetch-cert > cert.pem`)",
  },
  HUSH_ERR_SEALED_EXPIRED_CERT: {
    exitCode: 1,
    hint: "fetch the controller's current certificate; an expired one is refused as kubeseal does",
  },
  HUSH_ERR_SEALED_INVALID_KEY: {
    exitCode: 1,
    hint: "pass a PEM RSA private key or a backup of the controller's key Secret(s) with --recovery-private-key",
  },
  HUSH_ERR_SEALED_MISSING_NAMESPACE: {
    exitCode: 1,
    hint: "give the Secret a metadata.namespace, pass --namespace, or use --scope cluster-wide",
  },
  HUSH_ERR_SEALED_MISSING_NAME: {
    exitCode: 1,
    hint: "give the Secret a metadata.name or pass --name",
  },
  HUSH_ERR_SEALED_EMPTY_DATA: {
    exitCode: 1,
    hint: "the Secret has no data or stringData; pass --allow-empty-data if that is intended",
  },
  HUSH_ERR_SEALED_DECRYPT: {
    exitCode: 128,
    hint: "no given key opens this value for this name, namespace and scope: check the key, and that the SealedSecret was sealed for this name/namespace/scope and not altered",
  },
  HUSH_ERR_SEALED_UNSUPPORTED: {
    exitCode: 1,
    hint: "this SealedSecret uses a feature hush does not implement; use kubeseal for it",
  },
  HUSH_ERR_SEALED_CONTROLLER: {
    exitCode: 1,
    hint: "check --controller-name/--controller-namespace and that the sealed-secrets controller is running",
  },
});
