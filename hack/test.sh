#!/usr/bin/env bash
# The project's one test command (README.md; .ci/run runs exactly this).
# Installs what it needs itself: uv and the locked Python environment, then the local control plane.
set -euo pipefail
cd "$(dirname "$0")/.."

. hack/lib-env.sh

echo "== lint (ruff), types (mypy --strict), architecture (import-linter)"
uv run ruff check rollouts tests e2e hack
uv run mypy
uv run lint-imports

echo "== unit tests"
uv run pytest -q tests

if [ "${ROLLOUTS_SKIP_E2E:-}" = 1 ]; then
  echo "== e2e skipped (ROLLOUTS_SKIP_E2E=1)"
  exit 0
fi
echo "== e2e tests on the local control plane"
# Builds the binaries on a fresh machine (needs Go; about 10 min cold), reuses a running cluster.
kubeconfig=$(bash hack/cluster.sh up)
ROLLOUTS_E2E_KUBECONFIG="$kubeconfig" uv run pytest -q e2e -p no:randomly
