# Sourced by run.sh and test.sh: a virtual environment with the project and compiled catalogs.
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
stamp=.venv/.installed-$(cksum < pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[test]"
  touch "$stamp"
fi
.venv/bin/pybabel -q compile --domain messages --directory locales
# The browser tests' accessibility audit: axe-core from the npm registry, pinned by package-lock.json (when npm is
# here; .ci/run installs Debian's nodejs and npm, and CI fails, not skips, without axe-core).
if command -v npm >/dev/null; then
  axe_stamp=node_modules/.installed-$(cksum < package-lock.json | cut -d' ' -f1)
  if [ ! -f "$axe_stamp" ]; then
    if npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null; then touch "$axe_stamp"
    else echo "setup.sh: npm ci failed: the accessibility audit will skip (and fail in CI)" >&2
    fi
  fi
fi
