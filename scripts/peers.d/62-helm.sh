#!/usr/bin/env bash
# helm, for the chart tests in test/install (lint, template, install/upgrade/uninstall against the
# real kube-apiserver). Built from the Go module proxy with the version stamped as helm's own
# Makefile does, so `helm version` and the chart's kubeVersion checks see the real release.
set -euo pipefail
HELM_VERSION=v4.3.2
bin="$HUSH_PEERS/bin"
have() { [ -x "$bin/$1" ] && [ "$(cat "$bin/.$1.version" 2>/dev/null)" = "$2" ]; }
command -v go >/dev/null || { echo "go toolchain not found: install Go 1.25+ to build helm" >&2; exit 1; }
if ! have helm "$HELM_VERSION"; then
  module=helm.sh/helm/v4
  ldflags="-s -w -X $module/internal/version.version=$HELM_VERSION -X $module/internal/version.gitTreeState=clean"
  CGO_ENABLED=0 go install -trimpath "-ldflags=$ldflags" "$module/cmd/helm@$HELM_VERSION"
  echo "$HELM_VERSION" > "$bin/.helm.version"
fi
