#!/usr/bin/env bash
# kube-apiserver + kubectl (k8s.io/kubernetes) and etcd (go.etcd.io/etcd/server/v3), built from
# the Go module proxy through throw-away wrapper modules under $HUSH_PEERS/src. The kubernetes
# module's go.mod points its k8s.io/* staging modules at ./staging/...; the wrapper replaces
# each one with its published v0.X.Y twin. etcd's server module does the same with ../api etc.
# One `go build` at a time (CI and dev machines have 2 cores), stripped, trimpath.
set -euo pipefail
KUBE_VERSION=v1.37.2      # k8s.io/kubernetes; staging twins are v0.37.2
ETCD_VERSION=v3.7.3       # kubernetes v1.37 is built against etcd client v3.7
bin="$HUSH_PEERS/bin"
src="$HUSH_PEERS/src"
# The marker records the recipe too: bump "r" when the build itself changes.
KUBE_BUILD="$KUBE_VERSION r2"
have() { [ -x "$bin/$1" ] && [ "$(cat "$bin/.$1.version" 2>/dev/null)" = "$2" ]; }
command -v go >/dev/null || { echo "go toolchain not found: install Go 1.26+ to build kube-apiserver and etcd" >&2; exit 1; }
export CGO_ENABLED=0
build_flags=(-trimpath "-ldflags=-s -w")
# Stamp the version like the Kubernetes Makefile does (kubectl's version-skew check and
# `kubectl version` read it; an unstamped build says v0.0.0-master).
minor="${KUBE_VERSION#v1.}"; minor="${minor%%.*}"
stamp=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  stamp+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done
kube_flags=(-trimpath "-ldflags=-s -w$stamp")

# Every k8s.io module the kubernetes go.mod maps into ./staging, except the two sample
# modules that kubernetes only replaces (never requires) and that are not published.
STAGING="api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider
cluster-bootstrap code-generator component-base component-helpers controller-manager cri-api
cri-client cri-streaming csi-translation-lib dynamic-resource-allocation endpointslice externaljwt
kms kube-aggregator kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics
mount-utils pod-security-admission sample-apiserver streaming"

if ! have kube-apiserver "$KUBE_BUILD" || ! have kubectl "$KUBE_BUILD"; then
  staging="0${KUBE_VERSION#v1}"                 # v1.37.2 -> 0.37.2
  dir="$src/kube-$KUBE_VERSION"
  mkdir -p "$dir"
  {
    echo "module hush.local/peers/kube"
    echo
    echo "go 1.26.0"
    echo
    echo "require k8s.io/kubernetes $KUBE_VERSION"
    echo
    echo "replace ("
    for m in $STAGING; do echo "	k8s.io/$m => k8s.io/$m v$staging"; done
    echo ")"
  } > "$dir/go.mod"
  cat > "$dir/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
  (cd "$dir" && go mod tidy)
  for cmd in kube-apiserver kubectl; do
    if ! have "$cmd" "$KUBE_BUILD"; then
      (cd "$dir" && go build "${kube_flags[@]}" -o "$bin/$cmd" "k8s.io/kubernetes/cmd/$cmd")
      echo "$KUBE_BUILD" > "$bin/.$cmd.version"
    fi
  done
fi

if ! have etcd "$ETCD_VERSION"; then
  dir="$src/etcd-$ETCD_VERSION"
  mkdir -p "$dir"
  cat > "$dir/go.mod" <<MOD
module hush.local/peers/etcd

go 1.26.0

require go.etcd.io/etcd/server/v3 $ETCD_VERSION

replace (
	go.etcd.io/etcd/api/v3 => go.etcd.io/etcd/api/v3 $ETCD_VERSION
	go.etcd.io/etcd/client/pkg/v3 => go.etcd.io/etcd/client/pkg/v3 $ETCD_VERSION
	go.etcd.io/etcd/client/v3 => go.etcd.io/etcd/client/v3 $ETCD_VERSION
	go.etcd.io/etcd/pkg/v3 => go.etcd.io/etcd/pkg/v3 $ETCD_VERSION
)
MOD
  cat > "$dir/tools.go" <<'GO'
//go:build tools

package tools

import _ "go.etcd.io/etcd/server/v3"
GO
  (cd "$dir" && go mod tidy && go build "${build_flags[@]}" -o "$bin/etcd" go.etcd.io/etcd/server/v3)
  echo "$ETCD_VERSION" > "$bin/.etcd.version"
fi
