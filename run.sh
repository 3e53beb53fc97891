#!/usr/bin/env bash
# Start the bot: the terminal chat on SQLite, or Telegram when TELEGRAM_BOT_TOKEN is set.
# Creates .venv and installs the project on first use.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh
exec .venv/bin/breakbot "$@"
