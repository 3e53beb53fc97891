#!/usr/bin/env bash
# Run every test. Creates .venv and installs the project with its test tools on first use.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
