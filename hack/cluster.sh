#!/usr/bin/env bash
# A real local Kubernetes control plane for the e2e tests and the demo, with no container runtime:
# etcd, kube-apiserver, kube-controller-manager and kube-scheduler on 127.0.0.1, and kwok faking
# one Node so that Pods are scheduled and become Running and Ready (see hack/kwok/pod-stages.yaml
# for the labels that make Pods stay not-ready, crash-loop, or fail as Jobs).
#
#   hack/cluster.sh build       build the binaries into the cache (hack/build-cluster.sh)
#   hack/cluster.sh up          start everything (idempotent); prints the kubeconfig path
#   hack/cluster.sh down        stop exactly the processes `up` started; remove the state
#   hack/cluster.sh status      each component's state
#   hack/cluster.sh kubeconfig  print the kubeconfig path
#   hack/cluster.sh kubectl …   run the cached kubectl against the cluster
#
# Environment: ROLLOUTS_CLUSTER_STATE (default ~/.cache/rollouts/cluster/state),
# ROLLOUTS_ETCD_PORT (32379), ROLLOUTS_APISERVER_PORT (36443), ROLLOUTS_KCM_PORT (30257),
# ROLLOUTS_SCHEDULER_PORT (30259), and the version variables of hack/build-cluster.sh.
#
# State directory: pki/ (CA, admin client cert, service-account keys), admin.kubeconfig, etcd/,
# logs/<component>.log, pids/<component>. Everything listens on 127.0.0.1 only. When a component
# does not come up, the tail of its log is printed and the exit status is 1.
set -euo pipefail

HACK=$(cd "$(dirname "$0")" && pwd)
STATE=${ROLLOUTS_CLUSTER_STATE:-$HOME/.cache/rollouts/cluster/state}
STATE=${STATE%/}
ETCD_PORT=${ROLLOUTS_ETCD_PORT:-32379}
ETCD_PEER_PORT=$((ETCD_PORT + 1))
API_PORT=${ROLLOUTS_APISERVER_PORT:-36443}
KCM_PORT=${ROLLOUTS_KCM_PORT:-30257}
SCHED_PORT=${ROLLOUTS_SCHEDULER_PORT:-30259}
KUBECONFIG_PATH="$STATE/admin.kubeconfig"
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

log() { printf '[cluster] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

bin_dir() { bash "$HACK/build-cluster.sh" path; }

pid_of() { cat "$STATE/pids/$1" 2>/dev/null || true; }
# A recorded PID counts only while its command line still names our state directory (every
# component's flags do), so a PID recycled by an unrelated process is never reported or signalled.
running() {
  local p; p=$(pid_of "$1")
  [ -n "$p" ] && kill -0 "$p" 2>/dev/null && tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -qF "$STATE/"
}

fail_with_log() {
  log "$1 failed to come up; last lines of $STATE/logs/$1.log:"
  tail -n 40 "$STATE/logs/$1.log" >&2 || true
  exit 1
}

# wait_until <seconds> <component> <command…>: poll until the command succeeds.
wait_until() {
  local timeout=$1 comp=$2; shift 2
  local end=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if [ -n "$comp" ] && ! running "$comp"; then fail_with_log "$comp"; fi
    if [ $SECONDS -ge $end ]; then
      [ -n "$comp" ] && fail_with_log "$comp"
      die "timed out after ${timeout}s waiting for: $*"
    fi
    sleep 0.5
  done
}

STARTED_ANY=0  # set when this invocation started a component: the smoke test must then run again
start() {  # start <component> <binary> <args…>: background, own process group, PID recorded
  local comp=$1; shift
  if running "$comp"; then return; fi
  STARTED_ANY=1
  # fd 8 is the state lock (lock_state): a component must not inherit and hold it.
  setsid "$@" >>"$STATE/logs/$comp.log" 2>&1 </dev/null 8>&- &
  echo $! > "$STATE/pids/$comp"
}

stop() {  # stop <component>: TERM its process group, KILL after 5 s; forget the PID
  local comp=$1 p
  p=$(pid_of "$comp")
  if running "$comp"; then
    kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null || true
  fi
  rm -f "$STATE/pids/$comp"
}

preflight() {
  local missing=() c
  for c in openssl curl setsid flock; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
  [ ${#missing[@]} = 0 ] || die "missing commands: ${missing[*]} (install them, e.g. apt-get install ${missing[*]})"
}

kc() { "$BIN/kubectl" --kubeconfig "$KUBECONFIG_PATH" --request-timeout=30s "$@"; }

make_pki() {
  local P="$STATE/pki"
  [ -f "$P/admin.crt" ] && return
  mkdir -p "$P"
  cat > "$P/openssl.cnf" <<'CNF'
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = placeholder
[ v3_ca ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
[ v3_leaf ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth,clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:10.96.0.1
CNF
  (
    cd "$P"
    openssl req -x509 -config openssl.cnf -extensions v3_ca -newkey rsa:2048 -nodes -sha256 -days 3650 \
      -subj "/CN=rollouts-e2e-ca" -keyout ca.key -out ca.crt
    openssl req -new -config openssl.cnf -newkey rsa:2048 -nodes -sha256 \
      -subj "/O=system:masters/CN=rollouts-e2e-admin" -keyout admin.key -out admin.csr
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days 3650 \
      -extfile openssl.cnf -extensions v3_leaf -out admin.crt
    openssl genrsa -out sa.key 2048
    openssl rsa -in sa.key -pubout -out sa.pub
  ) >/dev/null 2>&1 || die "certificate generation failed (openssl)"
  cat > "$KUBECONFIG_PATH" <<KCFG
apiVersion: v1
kind: Config
clusters:
- name: rollouts-e2e
  cluster: {server: "https://127.0.0.1:$API_PORT", certificate-authority: "$P/ca.crt"}
users:
- name: rollouts-e2e-admin
  user: {client-certificate: "$P/admin.crt", client-key: "$P/admin.key"}
contexts:
- name: rollouts-e2e
  context: {cluster: rollouts-e2e, user: rollouts-e2e-admin, namespace: default}
current-context: rollouts-e2e
KCFG
}

node_ready_and_untainted() {
  local out
  out=$(kc get node kwok-node-0 -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}|{.spec.taints}')
  [ "$out" = "True|" ]
}

smoke_ready() {
  [ "$(kc -n default get deployment rollouts-smoke -o jsonpath='{.status.readyReplicas}')" = 2 ]
}

up() {
  preflight
  BIN=$(bin_dir)
  for b in etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok; do
    [ -x "$BIN/$b" ] || { log "binaries missing; building them (cold caches: about 10 min on 2 cores)"; bash "$HACK/build-cluster.sh" all >/dev/null; break; }
  done
  local t0=$SECONDS
  mkdir -p "$STATE/logs" "$STATE/pids" "$STATE/etcd"
  make_pki
  local P="$STATE/pki"

  start etcd "$BIN/etcd" --name=rollouts-e2e --data-dir="$STATE/etcd" \
    --listen-client-urls="http://127.0.0.1:$ETCD_PORT" --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster="rollouts-e2e=http://127.0.0.1:$ETCD_PEER_PORT" \
    --unsafe-no-fsync --auto-compaction-retention=1 --quota-backend-bytes=2147483648 --log-level=warn
  wait_until 30 etcd curl --max-time 5 -sf "http://127.0.0.1:$ETCD_PORT/health"

  start kube-apiserver "$BIN/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" --etcd-prefix=/registry \
    --bind-address=127.0.0.1 --secure-port="$API_PORT" \
    --advertise-address=127.0.0.1 --endpoint-reconciler-type=none \
    --tls-cert-file="$P/admin.crt" --tls-private-key-file="$P/admin.key" --client-ca-file="$P/ca.crt" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$P/sa.pub" --service-account-signing-key-file="$P/sa.key" \
    --service-cluster-ip-range=10.96.0.0/16 --authorization-mode=RBAC --allow-privileged=true --v=1
  wait_until 90 kube-apiserver curl --max-time 5 -sf --cacert "$P/ca.crt" "https://127.0.0.1:$API_PORT/readyz"

  start kube-controller-manager "$BIN/kube-controller-manager" --kubeconfig="$KUBECONFIG_PATH" \
    --bind-address=127.0.0.1 --secure-port="$KCM_PORT" --leader-elect=false \
    --authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics \
    --root-ca-file="$P/ca.crt" --service-account-private-key-file="$P/sa.key" \
    --service-cluster-ip-range=10.96.0.0/16 --node-monitor-period=5s --node-monitor-grace-period=40s \
    --controllers='*,-nodeipam' --v=1
  start kube-scheduler "$BIN/kube-scheduler" --kubeconfig="$KUBECONFIG_PATH" \
    --bind-address=127.0.0.1 --secure-port="$SCHED_PORT" --leader-elect=false \
    --authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics --v=1
  # kwok reads its stages once: when ours changed since it started, restart it.
  cat "$BIN/../kwok-stages.yaml" "$HACK/kwok/pod-stages.yaml" > "$STATE/kwok-stages.yaml.new"
  if ! cmp -s "$STATE/kwok-stages.yaml.new" "$STATE/kwok-stages.yaml"; then
    if running kwok; then log "pod stages changed: restarting kwok"; stop kwok; fi
    mv "$STATE/kwok-stages.yaml.new" "$STATE/kwok-stages.yaml"
  else
    rm -f "$STATE/kwok-stages.yaml.new"
  fi
  # A previous kwok (stopped above, or dead) may still hold the Node's lease; a new one would wait
  # for it to expire (40 s) before driving any pod.
  running kwok || kc -n kube-node-lease delete lease kwok-node-0 --ignore-not-found >/dev/null
  start kwok "$BIN/kwok" --kubeconfig="$KUBECONFIG_PATH" --config="$STATE/kwok-stages.yaml" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --manage-nodes-with-label-selector= --manage-single-node= \
    --cidr=10.244.0.0/16 --node-ip=192.0.2.1 --node-lease-duration-seconds=40
  wait_until 60 kube-controller-manager curl --max-time 5 -skf "https://127.0.0.1:$KCM_PORT/healthz"
  wait_until 60 kube-scheduler curl --max-time 5 -skf "https://127.0.0.1:$SCHED_PORT/healthz"

  kc get node kwok-node-0 >/dev/null 2>&1 || kc apply -f - >/dev/null <<'NODE'
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-0
  annotations: {kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0"}
  labels: {kubernetes.io/hostname: kwok-node-0, kubernetes.io/os: linux, kubernetes.io/arch: amd64, type: kwok}
spec: {}
status:
  allocatable: {cpu: "256", memory: 1Ti, pods: "5000"}
  capacity: {cpu: "256", memory: 1Ti, pods: "5000"}
NODE
  wait_until 90 kwok node_ready_and_untainted
  wait_until 60 kube-controller-manager kc -n default get serviceaccount default

  if [ "$STARTED_ANY" = 1 ] || [ ! -f "$STATE/smoke-passed" ]; then
    kc -n default delete deployment rollouts-smoke --ignore-not-found >/dev/null  # left by a failed up
    kc -n default create deployment rollouts-smoke --image=registry.invalid/smoke:1 --replicas=2 >/dev/null
    wait_until 90 kwok smoke_ready
    kc -n default delete deployment rollouts-smoke --wait=false >/dev/null
    touch "$STATE/smoke-passed"
  fi
  log "up in $((SECONDS - t0))s"
  echo "$KUBECONFIG_PATH"
}

down() {
  local i
  if [ -d "$STATE/pids" ]; then
    for ((i=${#COMPONENTS[@]}-1; i>=0; i--)); do stop "${COMPONENTS[$i]}"; done
  fi
  rm -rf "$STATE"
  log "stopped; state removed"
}

status() {
  local comp rc=0
  for comp in "${COMPONENTS[@]}"; do
    if running "$comp"; then printf '%-24s running (pid %s)\n' "$comp" "$(pid_of "$comp")"
    else printf '%-24s stopped\n' "$comp"; rc=1; fi
  done
  if [ -f "$STATE/pki/ca.crt" ] && curl -sf --max-time 5 --cacert "$STATE/pki/ca.crt" \
       "https://127.0.0.1:$API_PORT/readyz" >/dev/null 2>&1; then
    printf '%-24s ready at https://127.0.0.1:%s (KUBECONFIG=%s)\n' api "$API_PORT" "$KUBECONFIG_PATH"
  else
    printf '%-24s not ready\n' api; rc=1
  fi
  return $rc
}

# up and down change the state directory: one at a time (two test runs may start together).
lock_state() {
  mkdir -p "$(dirname "$STATE")"
  exec 8>"${STATE%/}.lock"
  flock 8
}

case "${1:-}" in
  build) bash "$HACK/build-cluster.sh" all ;;
  up) lock_state; up ;;
  down) lock_state; down ;;
  status) status ;;
  kubeconfig) echo "$KUBECONFIG_PATH" ;;
  kubectl) shift; BIN=$(bin_dir); kc "$@" ;;
  *) echo "usage: $0 build|up|down|status|kubeconfig|kubectl ARGS…" >&2; exit 2 ;;
esac
