#!/usr/bin/env bash
# What a careful CI script would do instead of the action: POST a generation task, poll it every
# second, download the result with curl, unzip it and load it with psql. The benchmark times this
# against the action (bench/run.js); it can also be run by hand:
#
#   FABRICATE_API_URL=http://127.0.0.1:PORT/api/v1 FABRICATE_API_KEY=fab_test_key \
#   FABRICATE_REQUEST='{"workspace":"acme","database":"shop","format":"postgres-optimized"}' \
#   PGURL=postgresql://postgres:secret@127.0.0.1:5432/app  bash bench/baseline.sh WORKDIR
#
# PGURL empty: no load. Prints one `phase NAME MILLISECONDS` line per phase (generate, download,
# extract, load). Needs curl and unzip (and psql to load); jq is used when present, else sed.
set -euo pipefail

workdir=${1:?usage: baseline.sh WORKDIR}
api=${FABRICATE_API_URL:?FABRICATE_API_URL is not set}
key=${FABRICATE_API_KEY:?FABRICATE_API_KEY is not set}
request=${FABRICATE_REQUEST:?FABRICATE_REQUEST is not set}
pgurl=${PGURL:-}

missing=()
for tool in curl unzip; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ -n "$pgurl" ] && ! command -v psql >/dev/null 2>&1; then missing+=(psql); fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "baseline.sh: missing on PATH: ${missing[*]} (apt-get install curl unzip postgresql-client)" >&2
  exit 127
fi

# Milliseconds since the epoch, without forking (bash 5), else with date.
now() {
  if [ -n "${EPOCHREALTIME:-}" ]; then
    local t=${EPOCHREALTIME/[.,]/}
    ms=$((t / 1000))
  else
    ms=$(date +%s%3N)
  fi
}

# field NAME < JSON: the value of a top-level string or boolean field ('' for null).
if command -v jq >/dev/null 2>&1; then
  field() { jq -r --arg name "$1" '.[$name] // empty'; }
else
  field() {
    sed -n -e "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" -e "s/.*\"$1\":\\(true\\|false\\).*/\\1/p" |
      head -n 1
  }
fi

mkdir -p "$workdir"
cd "$workdir"

now
t0=$ms
task=$(curl -fsS -X POST -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  --data "$request" "$api/generate_tasks")
id=$(field id <<<"$task")
while :; do
  task=$(curl -fsS -H "Authorization: Bearer $key" "$api/generate_tasks/$id")
  [ "$(field completed <<<"$task")" = true ] && break
  error=$(field error <<<"$task")
  if [ -n "$error" ]; then
    echo "baseline.sh: task $id failed: $error" >&2
    exit 1
  fi
  sleep 1
done
url=$(field data_url <<<"$task")
now
t1=$ms
echo "phase generate $((t1 - t0))"

curl -fsSL -o result.zip "$url"
now
t2=$ms
echo "phase download $((t2 - t1))"

unzip -q result.zip -d result
rm result.zip
now
t3=$ms
echo "phase extract $((t3 - t2))"

if [ -n "$pgurl" ]; then
  load=$(find result -name load.sql | head -n 1)
  (cd "$(dirname "$load")" &&
    psql -X -w -q -v ON_ERROR_STOP=1 --single-transaction -d "$pgurl" -f load.sql)
  now
  t4=$ms
  echo "phase load $((t4 - t3))"
fi
