#!/usr/bin/env bash
# A Vault dev server (`vault server -dev`), built from the Go module proxy through a wrapper
# module. OpenBao (github.com/openbao/openbao) is not served by the module proxy these machines
# reach (403 "module version is not available"), so this builds HashiCorp Vault's last module
# release. Vault's go.mod points api/, sdk/ and the api/auth/* modules at ./ directories; the
# wrapper maps each to a published version, and repeats Vault's two third-party replaces
# (replace lines of dependencies are ignored by Go). The wrapper can only reproduce a release
# whose ./sdk equals a published sdk tag: v1.21.1-v1.21.4's ./sdk sits between sdk v0.20.0 and
# v0.21.0 (with v0.21.0: "cannot use iStore.activateDeduplication ... as func(context.Context,
# *logical.Request, string) error"; with v0.20.0: "b.TryRecordObservationWithRequest
# undefined"), and the proxy serves no pseudo-versions here. v1.21.0 pairs with sdk v0.20.0.
set -euo pipefail
VAULT_VERSION=v1.21.0
bin="$HUSH_PEERS/bin"
src="$HUSH_PEERS/src"
have() { [ -x "$bin/$1" ] && [ "$(cat "$bin/.$1.version" 2>/dev/null)" = "$2" ]; }
command -v go >/dev/null || { echo "go toolchain not found: install Go 1.26+ to build vault" >&2; exit 1; }
if ! have vault "$VAULT_VERSION"; then
  dir="$src/vault-$VAULT_VERSION"
  mkdir -p "$dir"
  cat > "$dir/go.mod" <<MOD
module hush.local/peers/vault

go 1.26.0

require github.com/hashicorp/vault $VAULT_VERSION

replace (
	github.com/hashicorp/vault/api => github.com/hashicorp/vault/api v1.22.0
	github.com/hashicorp/vault/api/auth/approle => github.com/hashicorp/vault/api/auth/approle v0.1.0
	github.com/hashicorp/vault/api/auth/kubernetes => github.com/hashicorp/vault/api/auth/kubernetes v0.10.0
	github.com/hashicorp/vault/api/auth/userpass => github.com/hashicorp/vault/api/auth/userpass v0.1.0
	github.com/hashicorp/vault/sdk => github.com/hashicorp/vault/sdk v0.20.0
	github.com/99designs/keyring => github.com/Jeffail/keyring v1.2.3
	github.com/ma314smith/signedxml v1.1.1 => github.com/moov-io/signedxml v1.1.1
)
MOD
  cat > "$dir/tools.go" <<'GO'
//go:build tools

package tools

import _ "github.com/hashicorp/vault"
GO
  # -e: tidy also walks Vault's own tests, and one of them imports an sdk test helper that sdk
  # v0.20.0 lacks; the build itself never needs it.
  (cd "$dir" && go mod tidy -e && CGO_ENABLED=0 go build -trimpath "-ldflags=-s -w" -o "$bin/vault" github.com/hashicorp/vault)
  echo "$VAULT_VERSION" > "$bin/.vault.version"
fi
