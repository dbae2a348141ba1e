#!/usr/bin/env bash
# make tools: provides kube-apiserver, etcd, helm, grpc-health-probe and the OpenTelemetry Collector
# (otelcol) for the test harness.
# Binaries are cached per user under ${AMKO_TOOLS_DIR:-${XDG_CACHE_HOME:-~/.cache}/amko-ts}/<tool>-<version>/
# so later runs and fresh clones on the same machine reuse them at once.
# KUBEBUILDER_ASSETS (the envtest convention), when set, supplies kube-apiserver and etcd instead.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=/dev/null
. "$root/tools/versions.env"
cache="${AMKO_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/amko-ts}"
mkdir -p "$cache"

say() { printf 'tools: %s\n' "$*" >&2; }
need_go() {
  command -v go >/dev/null || { say "Go is required to build $1 (https://go.dev/dl/)"; exit 1; }
}

# build_k8s_tool NAME VERSION PACKAGE [LDFLAGS]: builds one binary from the pinned tools module.
build_k8s_tool() {
  local name=$1 version=$2 pkg=$3 ldflags=${4:-} dir="$cache/$1-$2"
  if [ -x "$dir/$name" ]; then say "$name $version: cached at $dir"; return; fi
  need_go "$name"
  say "$name $version: building from Go modules (first build on 2 cores can take 20-40 minutes)..."
  mkdir -p "$dir"
  local start=$SECONDS
  (
    cd "$root/tools/k8s"
    GOFLAGS=-mod=mod go build -trimpath -ldflags "$ldflags" -o "$dir/$name.partial" "$pkg" &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
      sleep 30 & wait $!
      kill -0 "$pid" 2>/dev/null && say "$name: still building ($((SECONDS - start))s)"
    done
    wait "$pid"
  )
  mv "$dir/$name.partial" "$dir/$name"
  say "$name $version: built in $((SECONDS - start))s"
}

# build_otelcol: the OpenTelemetry Collector of the trace tests, from the pinned tools/otelcol module.
build_otelcol() {
  local dir="$cache/otelcol-$OTELCOL_VERSION"
  if [ -x "$dir/otelcol" ]; then say "otelcol $OTELCOL_VERSION: cached at $dir"; return; fi
  need_go otelcol
  say "otelcol $OTELCOL_VERSION: building from Go modules (first build on 2 cores: several minutes)..."
  mkdir -p "$dir"
  local start=$SECONDS
  (cd "$root/tools/otelcol" && GOFLAGS=-mod=mod go build -trimpath -o "$dir/otelcol.partial" .)
  mv "$dir/otelcol.partial" "$dir/otelcol"
  say "otelcol $OTELCOL_VERSION: built in $((SECONDS - start))s"
}

# go_install NAME VERSION MODULE@VERSION
go_install() {
  local name=$1 version=$2 target=$3 dir="$cache/$1-$2"
  if [ -x "$dir/$name" ]; then say "$name $version: cached at $dir"; return; fi
  need_go "$name"
  say "$name $version: go install $target ..."
  local start=$SECONDS
  mkdir -p "$dir"
  GOBIN="$dir" go install "$target"
  say "$name $version: built in $((SECONDS - start))s"
}

if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
  for b in kube-apiserver etcd; do
    [ -x "$KUBEBUILDER_ASSETS/$b" ] || { say "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS has no $b"; exit 1; }
  done
  say "kube-apiserver, etcd: from KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS"
else
  minor=${KUBERNETES_VERSION#v1.}; minor=${minor%%.*}
  build_k8s_tool kube-apiserver "$KUBERNETES_VERSION" k8s.io/kubernetes/cmd/kube-apiserver \
    "-X k8s.io/component-base/version.gitVersion=$KUBERNETES_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"
  build_k8s_tool etcd "$ETCD_VERSION" go.etcd.io/etcd/server/v3
fi
go_install grpc-health-probe "$GRPC_HEALTH_PROBE_VERSION" \
  "github.com/grpc-ecosystem/grpc-health-probe@$GRPC_HEALTH_PROBE_VERSION"
go_install helm "$HELM_VERSION" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
build_otelcol
command -v kubectl >/dev/null || say "warning: kubectl not found on PATH; the kubectl tests need it"
say "ready in $cache"
