#!/usr/bin/env bash
# Catalog upkeep with babel: extract the template from the code, merge it into every language, compile.
#   bash scripts/catalogs.sh          extract + update + compile
#   bash scripts/catalogs.sh init xx  start a new language xx (then add it to bot/i18n.py LANGUAGES)
set -euo pipefail
cd "$(dirname "$0")/.."
babel=${PYBABEL:-.venv/bin/pybabel}
$babel -q extract -F babel.cfg -k N_ -k t -k tn:1,2 --no-default-keywords --add-comments=TRANSLATORS: \
  --sort-by-file --project=breakbot --no-location -o locales/messages.pot . >/dev/null
if [ "${1:-}" = "init" ]; then
  $babel init -i locales/messages.pot -d locales -D messages -l "$2"
fi
for po in locales/*/LC_MESSAGES/messages.po; do
  lang=$(basename "$(dirname "$(dirname "$po")")")
  $babel -q update -i locales/messages.pot -d locales -D messages -l "$lang" --no-fuzzy-matching --ignore-obsolete >/dev/null
done
$babel compile -d locales -D messages --statistics
