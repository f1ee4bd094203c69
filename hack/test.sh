#!/usr/bin/env bash
# The project's one test command (README.md; .ci/run runs exactly this).
# Installs what it needs itself: uv and the locked Python environment, then the local control plane.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v uv >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check uv
fi
uv sync --frozen --quiet

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
bash hack/build-cluster.sh all >/dev/null
uv run pytest -q e2e -p no:randomly
