#!/usr/bin/env bash
# API fuzzing: schemathesis (from PyPI, pinned in fuzz-requirements.txt)
# against the OpenAPI document the service serves, every operation, with a
# fixed budget and seed. It fails on any 5xx (but see schemathesis.toml), and
# on any response whose status code, content type (errors must be
# application/problem+json) or body the document doesn't describe.
#
# It starts camera-api (debug build) on a free port, with a database of its
# own on DATABASE_URL's server, and stops and drops them however it ends.
# Nothing the fuzzer invents is ever contacted, nor looked up: the service
# and the fuzzer run in a network namespace of their own with loopback only
# (`unshare --net`), reaching PostgreSQL through its Unix socket, so a probe
# of a made-up camera fails at once, as an unreachable one would, instead of
# sending DNS queries and connections out (and waiting for their timeouts).
# MediaMTX is left unreachable (the service must answer without it, and the
# reconciler's work with the real one is tested elsewhere) and ffmpeg/ffprobe
# are `false`. FUZZ_EXAMPLES (cases per operation and phase, default 300) and
# FUZZ_SEED (1) change the budget and the cases.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "fuzz: $*" >&2; }
: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL server where fuzz.sh may create a database (make test does)}"
venv=.venv-fuzz

if [[ -z ${FUZZ_ISOLATED:-} ]]; then
  # --- schemathesis in a venv of its own, rebuilt when the pins change
  requirements=scripts/fuzz-requirements.txt
  if [[ ! -f $venv/installed || $requirements -nt $venv/installed ]]; then
    say "installing schemathesis into $venv"
    python3 -m venv --clear "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
    touch "$venv/installed"
  fi
  cargo build --locked -q -p camera-api

  # --- into a namespace with loopback only; PostgreSQL by its socket
  server=${DATABASE_URL%/*}
  socket=$(psql -Atq "$server/postgres" -c "SHOW unix_socket_directories" | cut -d, -f1)
  port=$(psql -Atq "$server/postgres" -c "SHOW port")
  if [[ ! -S $socket/.s.PGSQL.$port ]]; then
    say "DATABASE_URL's server has no Unix socket on this machine ('$socket'); run beside a local PostgreSQL (make test starts one)"
    exit 1
  fi
  if ! unshare --net --map-root-user true 2>/dev/null; then
    say "this machine refuses 'unshare --net --map-root-user' (user namespaces), so the fuzzer can't be cut off from the network"
    exit 1
  fi
  # The same user (and password), by the socket: a percent-encoded host.
  local_url=$(python3 -c 'import sys, urllib.parse as u
user = u.urlsplit(sys.argv[1]).netloc.rpartition("@")[0]
print(f"postgres://{user}@{u.quote(sys.argv[2], safe=str())}:{sys.argv[3]}/postgres")' \
    "$DATABASE_URL" "$socket" "$port")
  FUZZ_ISOLATED=1 DATABASE_URL=$local_url exec unshare --net --map-root-user "$0" "$@"
fi
ip link set lo up

# --- a database of its own, dropped at the end
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
# Nothing listens on port 1 of loopback, the only interface there is. The settings go through the
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
