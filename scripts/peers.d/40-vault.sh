#!/usr/bin/env bash
# A Vault dev server (`vault server -dev`), built from the Go module proxy through a wrapper
# module. OpenBao (github.com/openbao/openbao) is not served by the module proxy these machines
# reach (403 "module version is not available"), so this builds HashiCorp Vault's last module
# release. Vault's go.mod points api/, sdk/ and the api/auth/* modules at ./ directories; the
# wrapper maps each to the published version Vault itself requires, and repeats Vault's two
# third-party replaces (replace lines of dependencies are ignored by Go).
set -euo pipefail
VAULT_VERSION=v1.21.4
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
	github.com/hashicorp/vault/sdk => github.com/hashicorp/vault/sdk v0.21.0
	github.com/99designs/keyring => github.com/Jeffail/keyring v1.2.3
	github.com/ma314smith/signedxml v1.1.1 => github.com/moov-io/signedxml v1.1.1
)
MOD
  cat > "$dir/tools.go" <<'GO'
//go:build tools

package tools

import _ "github.com/hashicorp/vault"
GO
  (cd "$dir" && go mod tidy && CGO_ENABLED=0 go build -trimpath "-ldflags=-s -w" -o "$bin/vault" github.com/hashicorp/vault)
  echo "$VAULT_VERSION" > "$bin/.vault.version"
fi
