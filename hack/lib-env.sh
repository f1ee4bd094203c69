# Sourced by hack/test.sh and hack/demo.sh: makes sure uv and the locked Python environment exist
# on a fresh machine (nothing installed by hand is assumed).
if ! command -v uv >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check uv
fi
uv sync --frozen --quiet
