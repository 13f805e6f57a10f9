#!/usr/bin/env bash
# Extracts the web app's translatable messages into src/dzinza/web/locale/messages.pot and merges
# them into the Shona (sn) and Ndebele (nd) catalogs: new messages arrive untranslated, changed
# ones are marked fuzzy (shown in English until a translator checks them), and messages no longer
# used are kept at the end as obsolete (#~) for reference. The test tests/web/test_translations.py
# fails until every message has a checked translation.
set -euo pipefail
cd "$(dirname "$0")/.."
LOCALE=src/dzinza/web/locale
.venv/bin/pybabel -q extract -F "$LOCALE/babel.cfg" -k N_ -k said -k pgettext:1c,2 \
  --no-location --sort-output --add-comments=Translators: \
  --project=Dzinza --copyright-holder="The Dzinza authors" --msgid-bugs-address="" \
  -o "$LOCALE/messages.pot" .
for lang in sn nd; do
  po="$LOCALE/$lang/LC_MESSAGES/messages.po"
  if [ -f "$po" ]; then
    .venv/bin/pybabel -q update --no-wrap --ignore-pot-creation-date -i "$LOCALE/messages.pot" -d "$LOCALE" -l "$lang"
  else
    .venv/bin/pybabel -q init --no-wrap -i "$LOCALE/messages.pot" -d "$LOCALE" -l "$lang"
  fi
done
