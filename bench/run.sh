#!/usr/bin/env bash
# Run the benchmark (`--quick`: small sizes, for a smoke run). Creates .venv and installs the project on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
exec .venv/bin/python -m bench "$@"
