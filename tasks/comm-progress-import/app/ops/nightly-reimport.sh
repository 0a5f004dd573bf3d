#!/bin/sh
# Nightly re-import of every supplier feed, from the crontab of ops-box-1:
#   30 2 * * *  cd /srv/catalog && ops/nightly-reimport.sh
# (the box is in UTC). Each night's import of feeds/<name>.json is called nightly-<YYYY-MM-DD>-<name>.
set -eu
day=$(date -u +%F)
for feed in feeds/*.json; do
  name=$(basename "$feed" .json)
  curl -fsS -X POST http://catalog.internal/imports -H 'content-type: application/json' \
       -d "{\"import_id\": \"nightly-$day-$name\", \"feed\": \"$feed\"}"
done
