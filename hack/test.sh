#!/usr/bin/env bash
# The project's one test command (README.md; .ci/run runs exactly this).
# Installs what it needs itself: uv and the locked Python environment, then the local control plane.
set -euo pipefail
cd "$(dirname "$0")/.."

. hack/lib-env.sh

# The Prometheus provider is tested against a real Prometheus (Debian's package) when it is there.
if ! command -v prometheus >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "== installing Debian's prometheus for the provider tests"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus) \
    >/dev/null 2>&1 || echo "   (not installed: the real-Prometheus tests will be skipped)"
fi

# The dashboard's e2e test drives Debian's headless chromium (with its recommended fonts, for the screenshot).
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "== installing Debian's chromium for the dashboard test"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
    >/dev/null 2>&1 || echo "   (not installed: the dashboard browser test will be skipped)"
fi

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
