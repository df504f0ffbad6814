#!/usr/bin/env bash
# API fuzzing: schemathesis (from PyPI, pinned in fuzz-requirements.txt)
# against the OpenAPI document the service serves, every operation, with a
# fixed budget and seed. It fails on any 5xx (but see schemathesis.toml), and
# on any response whose status code, content type (errors must be
# application/problem+json) or body the document doesn't describe.
#
# It starts camera-api (debug build) on a free port, with a database of its
# own on DATABASE_URL's server, and stops and drops them however it ends.
# No camera the fuzzer invents is ever contacted: MediaMTX is left
# unreachable (the service must answer without it, and the reconciler's work
# with the real one is tested elsewhere) and ffmpeg/ffprobe are `false`
# (every probe and snapshot fails as a camera would), so nothing leaves this
# machine for the fuzzer's made-up addresses. FUZZ_EXAMPLES (cases per operation and phase, default
# 300) and FUZZ_SEED (1) change the budget and the cases.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "fuzz: $*" >&2; }

# --- schemathesis in a venv of its own, rebuilt when the pins change
venv=.venv-fuzz
requirements=scripts/fuzz-requirements.txt
if [[ ! -f $venv/installed || $requirements -nt $venv/installed ]]; then
  say "installing schemathesis into $venv"
  python3 -m venv --clear "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
  touch "$venv/installed"
fi

# --- a database of its own, dropped at the end
: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL server where fuzz.sh may create a database (make test does)}"
server=${DATABASE_URL%/*}
database=camplane_fuzz_$$_$RANDOM
run=$(mktemp -d -t camplane-fuzz.XXXXXX)
pids=()
cleanup() {
  trap - INT TERM EXIT
  if ((${#pids[@]})); then
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
  psql -q "$server/postgres" -c "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
psql -q "$server/postgres" -c "CREATE DATABASE \"$database\""

cargo build --locked -q -p camera-api
bin=target/debug

# The service listens on port 0 and says which port it got, so nothing can take a
# port between choosing it and binding it. Prints what `pattern` captures
# from `log` once it appears.
address_in() {
  local log=$1 pattern=$2 found
  for _ in $(seq 1 300); do
    found=$(sed -nE "s/$pattern/\\1/p" "$log" | head -n 1)
    if [[ -n $found ]]; then echo "$found"; return; fi
    sleep 0.1
  done
  say "$log shows no address; it says:"
  cat "$log" >&2
  exit 1
}
# Nothing listens on port 1 of loopback. The settings go through the
# environment, never a command line (the key seals the passwords of this
# throwaway database only).
export DATABASE_URL="$server/$database" CAMPLANE_SECRET_KEY=$(openssl rand -base64 32)
CAMPLANE_LISTEN=127.0.0.1:0 CAMPLANE_METRICS_LISTEN=off CAMPLANE_LOG_FORMAT=json \
  MEDIAMTX_API_URL=http://127.0.0.1:1 CAMPLANE_FFPROBE=false CAMPLANE_FFMPEG=false \
  "$bin/camera-api" >"$run/camera-api.log" 2>&1 &
pids+=($!)
api=$(address_in "$run/camera-api.log" '.*"message":"listening","addr":"([^"]+)".*')
# The fuzzer acts as an admin, so every operation gets past access control.
token=$("$bin/camera-api" create-token fuzz admin 2>>"$run/camera-api.log" | grep "^cpl_")

# One worker: with two, hypothesis (describing its strategies with Python's
# ast module, which isn't thread-safe in 3.11) crashes now and then with
# "SystemError: AST constructor recursion depth mismatch".
say "fuzzing http://$api"
if ! "$venv/bin/schemathesis" --config-file scripts/schemathesis.toml run \
  "http://$api/api/openapi.json" --header "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples "${FUZZ_EXAMPLES:-300}" --seed "${FUZZ_SEED:-1}" --workers 1 \
  --generation-database none --request-timeout 10 --no-color; then
  say "failed; what camera-api logged as errors:"
  grep '"level":"ERROR"' "$run/camera-api.log" >&2 || true
  exit 1
fi
