#!/usr/bin/env bash
# Builds the local control plane's binaries (kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl, kwok, etcd) from Go modules into a version-keyed cache outside the
# repository. Work already cached is skipped. Nothing built here is ever committed.
#
# Environment:
#   K8S_VERSION   (default v1.34.4)   ETCD_VERSION (default v3.6.16)   KWOK_VERSION (default v0.8.0)
#   ROLLOUTS_CACHE (default ~/.cache/rollouts)
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-v1.34.4}
ETCD_VERSION=${ETCD_VERSION:-v3.6.16}
KWOK_VERSION=${KWOK_VERSION:-v0.8.0}
CACHE=${ROLLOUTS_CACHE:-$HOME/.cache/rollouts}
KEY="k8s-${K8S_VERSION}_etcd-${ETCD_VERSION}_kwok-${KWOK_VERSION}"
BIN="$CACHE/cluster/$KEY/bin"
SRC="$CACHE/cluster/src"
export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=mod

log() { printf '[build-cluster] %s\n' "$*" >&2; }

# kwok v0.8.0's go.mod says go 1.26.0 and GOTOOLCHAIN=local forbids fetching a toolchain.
GO_MIN_MINOR=26
need_go() {
  command -v go >/dev/null 2>&1 || {
    log "go not found: install Go 1.$GO_MIN_MINOR or newer (https://go.dev/doc/install) and put it on PATH"
    exit 1
  }
  local v minor
  v=$(go env GOVERSION)           # e.g. go1.26.8
  minor=$(echo "${v#go}" | cut -d. -f2)
  if ! [ "$minor" -ge "$GO_MIN_MINOR" ] 2>/dev/null; then
    log "$v is too old: Go 1.$GO_MIN_MINOR or newer is needed"
    exit 1
  fi
}

build_kubernetes() {
  local want=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
  local missing=0
  for b in "${want[@]}"; do [ -x "$BIN/$b" ] || missing=1; done
  if [ "$missing" = 0 ]; then log "kubernetes $K8S_VERSION: cached"; return; fi
  local minor staging work gomod ld
  minor=$(echo "$K8S_VERSION" | cut -d. -f2)
  staging="v0.${K8S_VERSION#v1.}"
  work="$SRC/k8s-$K8S_VERSION"
  mkdir -p "$work"; cd "$work"
  [ -f go.mod ] || go mod init local.invalid/k8sbuild >/dev/null 2>&1
  log "kubernetes $K8S_VERSION: resolving modules"
  gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" \
          | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')
  # k8s.io/kubernetes replaces its staging modules with ./staging paths that are not in its
  # module zip; point each at the published v0.x release of the same Kubernetes version.
  for m in $(sed -n 's|^[[:space:]]*\(k8s\.io/[A-Za-z0-9._-]*\)[[:space:]]*=>[[:space:]]*\./staging/.*|\1|p' "$gomod"); do
    go mod edit -replace="$m=$m@$staging"
  done
  for kv in $(sed -n 's/^godebug[[:space:]]\{1,\}\([^ (][^ ]*\)$/\1/p' "$gomod"); do go mod edit -godebug="$kv"; done
  go get "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION" \
         "k8s.io/kubernetes/cmd/kube-controller-manager@$K8S_VERSION" \
         "k8s.io/kubernetes/cmd/kube-scheduler@$K8S_VERSION" \
         "k8s.io/kubernetes/cmd/kubectl@$K8S_VERSION" >/dev/null
  ld="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  done
  log "kubernetes $K8S_VERSION: compiling (cold caches: whole build about 10 min on 2 cores)"
  go build -trimpath -tags=notest,grpcnotrace -ldflags "$ld" -o "$BIN/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
}

build_etcd() {
  if [ -x "$BIN/etcd" ]; then log "etcd $ETCD_VERSION: cached"; return; fi
  local work="$SRC/etcd-$ETCD_VERSION"
  mkdir -p "$work"; cd "$work"
  [ -f go.mod ] || go mod init local.invalid/etcdbuild >/dev/null 2>&1
  log "etcd $ETCD_VERSION: building"
  go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >/dev/null
  go build -trimpath -ldflags "-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3
}

build_kwok() {
  if [ -x "$BIN/kwok" ] && [ -f "$BIN/../kwok-stages.yaml" ]; then log "kwok $KWOK_VERSION: cached"; return; fi
  log "kwok $KWOK_VERSION: building"
  GOBIN="$BIN" GOFLAGS= go install "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  local dir
  dir=$(GOFLAGS= go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  # kwok has no built-in stages; keep the default node stages from its module for `up`.
  for f in stage/node/fast/node-initialize.yaml stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml; do
    cat "$dir/kustomize/$f"; printf '\n---\n'
  done > "$BIN/../kwok-stages.yaml"
}

if [ "${1:-all}" != path ]; then
  need_go
  mkdir -p "$BIN" "$SRC"
  # One build at a time per cache (two test runs may start together); the second waits.
  exec 9>"$CACHE/cluster/build.lock"
  if ! flock -n 9; then log "another build holds $CACHE/cluster/build.lock; waiting"; flock 9; fi
fi
start=$(date +%s)
case "${1:-all}" in
  all) build_etcd; build_kwok; build_kubernetes ;;
  etcd) build_etcd ;; kwok) build_kwok ;; kubernetes) build_kubernetes ;;
  path) ;;
  *) echo "usage: $0 [all|etcd|kwok|kubernetes|path]" >&2; exit 2 ;;
esac
[ "${1:-all}" = path ] || log "done in $(( $(date +%s) - start ))s"
echo "$BIN"
