#!/usr/bin/env bash
# kubeseal and the sealed-secrets controller, for the Sealed Secrets interop suite (test/sealed).
# v0.27.1 is the newest release whose module path (github.com/bitnami-labs/sealed-secrets) the Go
# module proxy serves; later releases moved to github.com/bitnami/sealed-secrets.
# The controller's CRD ships in the module's helm chart; it is copied next to the binaries so the
# suite can apply the very definition the controller was built with.
set -euo pipefail
SEALED_SECRETS_VERSION=v0.27.1
module=github.com/bitnami-labs/sealed-secrets
bin="$HUSH_PEERS/bin"
have() { [ -x "$bin/$1" ] && [ "$(cat "$bin/.$1.version" 2>/dev/null)" = "$2" ]; }
command -v go >/dev/null || { echo "go toolchain not found: install Go 1.22+ to build kubeseal" >&2; exit 1; }
ldflags="-s -w -X $module/pkg/buildinfo.DefaultVersion=$SEALED_SECRETS_VERSION"
for tool in kubeseal controller; do
  out="$tool"; [ "$tool" = controller ] && out=sealed-secrets-controller
  if ! have "$out" "$SEALED_SECRETS_VERSION"; then
    tmp="$(mktemp -d)"
    GOBIN="$tmp" CGO_ENABLED=0 go install -trimpath "-ldflags=$ldflags" "$module/cmd/$tool@$SEALED_SECRETS_VERSION"
    mv "$tmp/$tool" "$bin/$out"
    rmdir "$tmp"
    echo "$SEALED_SECRETS_VERSION" > "$bin/.$out.version"
  fi
done
crd="$HUSH_PEERS/sealed-secrets/bitnami.com_sealedsecrets.yaml"
if [ ! -s "$crd" ] || [ "$(cat "$HUSH_PEERS/sealed-secrets/.version" 2>/dev/null)" != "$SEALED_SECRETS_VERSION" ]; then
  dir="$(go mod download -json "$module@$SEALED_SECRETS_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -n "$dir" ] && [ -s "$dir/helm/sealed-secrets/crds/bitnami.com_sealedsecrets.yaml" ] \
    || { echo "sealed-secrets module has no CRD at helm/sealed-secrets/crds" >&2; exit 1; }
  mkdir -p "$HUSH_PEERS/sealed-secrets"
  cp "$dir/helm/sealed-secrets/crds/bitnami.com_sealedsecrets.yaml" "$crd"
  chmod 0644 "$crd"
  echo "$SEALED_SECRETS_VERSION" > "$HUSH_PEERS/sealed-secrets/.version"
fi
