#!/usr/bin/env bash
# The README's demo, end to end:
#
#   1. builds (first run: about 10 minutes, needs Go) or reuses the local control plane and
#      starts it (hack/cluster.sh up);
#   2. installs the CustomResourceDefinitions from manifests/crds/;
#   3. starts the controller in the background (log: $DEMO_DIR/controller.log), watching only the
#      demo namespace so that it never touches anything else on a shared cluster;
#   4. applies examples/canary-basic.yaml into a fresh namespace and waits until it is Healthy;
#   5. changes the image (kubectl-rollouts set image) and prints one line per state change
#      (hack/watch_rollout.py) while the canary walks through its steps, promoting the indefinite
#      pause (kubectl-rollouts promote) when it is reached;
#   6. ends Healthy on the new image; the cluster and the controller are left running and the
#      script prints how to stop them.
#
# Running it again replaces the demo namespace and the controller it started before.
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/lib-env.sh

NS=${DEMO_NAMESPACE:-rollouts-demo}
DEMO_DIR=${DEMO_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rollouts/demo}
METRICS_PORT=${DEMO_METRICS_PORT:-18090}
HEALTHZ_PORT=${DEMO_HEALTHZ_PORT:-18080}
ROLLOUT=canary-demo
mkdir -p "$DEMO_DIR"

say() { printf '\n== %s\n' "$*"; }
fail() { printf '\nDEMO FAILED: %s\n' "$*" >&2; exit 1; }

say "local control plane (hack/cluster.sh up)"
kubeconfig=$(bash hack/cluster.sh up)
export KUBECONFIG=$kubeconfig
kc() { bash hack/cluster.sh kubectl "$@"; }
kubectl_bin=$(bash hack/build-cluster.sh path)/kubectl
rollouts() { uv run --quiet kubectl-rollouts --kubeconfig "$kubeconfig" -n "$NS" "$@"; }

say "CustomResourceDefinitions (manifests/crds)"
kc apply --server-side --force-conflicts --field-manager=rollouts-demo -f manifests/crds/ >/dev/null
kc wait --for=condition=Established --timeout=60s -f manifests/crds/ >/dev/null
kc get crd -o name | grep argoproj.io

say "controller (log: $DEMO_DIR/controller.log)"
pidfile=$DEMO_DIR/controller.pid
if [ -f "$pidfile" ]; then
  old=$(cat "$pidfile")
  # only the process this script started (its command line names the demo's metrics port)
  if [ -r "/proc/$old/cmdline" ] && tr '\0' ' ' <"/proc/$old/cmdline" | grep -q -- "--metricsPort $METRICS_PORT"; then
    echo "stopping the controller a previous demo started (pid $old)"
    kill "$old" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$old" 2>/dev/null || break; sleep 0.2; done
  fi
  rm -f "$pidfile"
fi
kc delete namespace "$NS" --ignore-not-found --wait=true --timeout=60s >/dev/null
kc create namespace "$NS" >/dev/null
nohup uv run --quiet python -m rollouts --kubeconfig "$kubeconfig" --namespaced --namespace "$NS" \
  --leader-elect=false --metricsPort "$METRICS_PORT" --healthzPort "$HEALTHZ_PORT" \
  --metrics-bind 127.0.0.1 --healthz-bind 127.0.0.1 >"$DEMO_DIR/controller.log" 2>&1 &
controller_pid=$!
echo "$controller_pid" >"$pidfile"
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$HEALTHZ_PORT/healthz" >/dev/null 2>&1 && break
  kill -0 "$controller_pid" 2>/dev/null || { tail -20 "$DEMO_DIR/controller.log"; fail "the controller exited"; }
  sleep 0.2
done
echo "controller running (pid $controller_pid, metrics on http://127.0.0.1:$METRICS_PORT/metrics)"

watch() { uv run --quiet python hack/watch_rollout.py "$ROLLOUT" -n "$NS" --kubeconfig "$kubeconfig" \
  --kubectl "$kubectl_bin" "$@"; }

say "apply examples/canary-basic.yaml (5 replicas, steps 20% / pause / 40% / 10s / 60% / 10s / 80% / 10s)"
kc -n "$NS" apply -f examples/canary-basic.yaml
watch --until-healthy --timeout 120 || fail "the first revision did not become Healthy"

say "new image: kubectl-rollouts set image $ROLLOUT canary-demo=argoproj/rollouts-demo:yellow"
rollouts set image "$ROLLOUT" canary-demo=argoproj/rollouts-demo:yellow
watch --until-healthy --timeout 300 &
watcher=$!
trap 'kill $watcher 2>/dev/null || true' EXIT

# Promote the indefinite pause (step 2 of 8) once the rollout has reached it.
for _ in $(seq 1 240); do
  reason=$(kc -n "$NS" get rollout "$ROLLOUT" -o jsonpath='{.status.pauseConditions[0].reason}/{.status.currentStepIndex}')
  if [ "$reason" = "CanaryPauseStep/1" ]; then
    sleep 3  # leave the pause on screen for a moment
    echo "-- kubectl-rollouts promote $ROLLOUT"
    rollouts promote "$ROLLOUT"
    break
  fi
  sleep 0.5
done
wait "$watcher" || fail "the rollout did not reach Healthy on the new image (see $DEMO_DIR/controller.log)"
trap - EXIT

say "done: Healthy on argoproj/rollouts-demo:yellow"
kc -n "$NS" get rollout,replicasets
cat <<EOF

The cluster and the controller are still running:
  export KUBECONFIG=$kubeconfig
  uv run kubectl-rollouts -n $NS get rollout $ROLLOUT
Stop them with:
  kill $controller_pid && bash hack/cluster.sh down
EOF
