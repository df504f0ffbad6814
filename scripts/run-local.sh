#!/usr/bin/env bash
# Runs the whole of Camplane on this machine without Docker (`make run`):
# PostgreSQL (the local server), camera-api with the console, MediaMTX, a demo
# RTSP camera and HAProxy with the repository's config and a self-signed
# certificate. Ctrl-C stops everything it started; running it again needs no
# cleanup (leftovers of a killed run are stopped first).
#
# MediaMTX: the real one, at the version compose.yaml runs, with
# mediamtx.yml (scripts/mediamtx.sh: MEDIAMTX_BIN, a `mediamtx` on PATH, or
# a build from its Go module, cached).
#
# Settings (environment): CAMPLANE_PG (PostgreSQL server URL, default: the
# server of DATABASE_URL, which `make run` sets through with-postgres.sh), CAMPLANE_EDGE_HOST (127.0.0.1),
# CAMPLANE_HTTPS_PORT (8443), CAMPLANE_HTTP_PORT (8080), CAMPLANE_API_PORT
# (8081), CAMPLANE_DEMO_CAMERA_PORT (8555), CAMPLANE_MEDIAMTX_API_PORT (9997),
# CAMPLANE_HLS_PORT (8888), CAMPLANE_WEBRTC_PORT (MediaMTX's WHEP server, 8889),
# CAMPLANE_WEBRTC_ICE_PORT (its media, UDP and TCP, on CAMPLANE_EDGE_HOST, 8189),
# CAMPLANE_WEBRTC_HOST (the address MediaMTX tells browsers to send media to,
# as in compose; CAMPLANE_EDGE_HOST),
# CAMPLANE_RTSP_PORT (MediaMTX's, 8554),
# CAMPLANE_MEDIAMTX_METRICS_PORT (9998), CAMPLANE_PLAYBACK_PORT (MediaMTX's
# playback server, 9996), CAMPLANE_RECORDINGS_DIR (recordings, the run
# directory's recordings/), CAMPLANE_DB (database name, camplane),
# CAMPLANE_RUN_DIR (logs and pids, .run), CAMPLANE_PROFILE (release, or debug
# for a quicker build), CAMPLANE_METRICS_LISTEN (127.0.0.1:9464, or off),
# CAMPLANE_API_RATE and CAMPLANE_LOGIN_RATE (the edge's limits, as in compose),
# CAMPLANE_SECRET_KEY (seals camera passwords; unset, one is generated once
# into the run directory's secret-key and reused), CAMPLANE_CONSOLE_BUILT
# (set: serve frontend/dist as it is, for stacks started side by side),
# CAMPLANE_NODES (how many more MediaMTX nodes to run and register, each on
# free ports; default none, docs/nodes.md). The browser tests use these
# to run a stack of their own beside a developer's.
set -euo pipefail
cd "$(dirname "$0")/.."

run=${CAMPLANE_RUN_DIR:-.run}
mkdir -p "$run"
# Absolute: MediaMTX and camera-api both name it.
recordings=$(realpath -m "${CAMPLANE_RECORDINGS_DIR:-$run/recordings}")
edge_maps=$(realpath -m "$run/edge-maps")
edge_runtime=$(realpath -m "$run/haproxy.sock")
mkdir -p "$recordings"
host=${CAMPLANE_EDGE_HOST:-127.0.0.1}
https_port=${CAMPLANE_HTTPS_PORT:-8443}
http_port=${CAMPLANE_HTTP_PORT:-8080}
api_port=${CAMPLANE_API_PORT:-8081}
camera_port=${CAMPLANE_DEMO_CAMERA_PORT:-8555}
mediamtx_port=${CAMPLANE_MEDIAMTX_API_PORT:-9997}
hls_port=${CAMPLANE_HLS_PORT:-8888}
webrtc_port=${CAMPLANE_WEBRTC_PORT:-8889}
ice_port=${CAMPLANE_WEBRTC_ICE_PORT:-8189}
webrtc_host=${CAMPLANE_WEBRTC_HOST:-$host}
rtsp_port=${CAMPLANE_RTSP_PORT:-8554}
mediamtx_metrics_port=${CAMPLANE_MEDIAMTX_METRICS_PORT:-9998}
playback_port=${CAMPLANE_PLAYBACK_PORT:-9996}
database=${CAMPLANE_DB:-camplane}
profile=${CAMPLANE_PROFILE:-release}
case $profile in
  release) build_flags=(--release) ;;
  debug) build_flags=() ;;
  *) echo "run-local: CAMPLANE_PROFILE must be release or debug" >&2; exit 2 ;;
esac
# Where cargo builds: CARGO_TARGET_DIR when set, as cargo itself reads it.
bin=${CARGO_TARGET_DIR:-target}/$profile
say() { echo "run-local: $*" >&2; }

# --- a previous run that was killed (no trap) may have left processes behind
if [[ -f $run/pids ]]; then
  while read -r pid; do
    # Only our own children: their command lines name this checkout's files.
    if [[ -r /proc/$pid/cmdline ]] \
      && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -Eq 'target/(release|debug)/|haproxy/haproxy.cfg|infra/test-camera'; then
      kill "$pid" 2>/dev/null || true
    fi
  done <"$run/pids"
  sleep 1
fi
: >"$run/pids"

pids=()
# MediaMTX nodes: stopped with the rest, but one that dies does not end the
# run (failing over is what nodes are for).
node_pids=()
declare -A names=()
cleanup() {
  trap - INT TERM EXIT
  if ((${#pids[@]})); then
    say "stopping"
    kill "${pids[@]}" "${node_pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" "${node_pids[@]}" 2>/dev/null || true
    say "stopped"
  fi
  rm -f "$run/pids"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Starts a command in the background, logging to .run/<name>.log. fd 3 (the
# camera's stdin, below) is closed for it, so only this shell holds that open.
# In a session of its own, Ctrl-C reaches this shell only, which then stops
# everything in order; otherwise a process ending of it first would read as
# a failure.
start() {
  local name=$1; shift
  setsid "$@" >"$run/$name.log" 2>&1 3>&- &
  pids+=($!)
  names[$!]=$name
  echo $! >>"$run/pids"
}

# Says which process ended and how, with the end of its log.
ended() {
  local pid=$1 status=$2 name=${names[$1]:-process $1}
  say "$name exited (status $status); the end of $run/$name.log:"
  tail -n 20 "$run/$name.log" >&2 || true
}

# Waits until a TCP port answers, or fails naming the log to read.
wait_port() {
  local name=$1 port=$2
  for _ in $(seq 1 100); do
    if (exec 5<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  say "$name did not start; see $run/$name.log"
  tail -n 20 "$run/$name.log" >&2 || true
  exit 1
}

# (The ICE port's UDP side can't be probed this way; MediaMTX fails to start
# if it is taken, and wait_port below says so.)
for port in "$https_port" "$http_port" "$api_port" "$camera_port" "$mediamtx_port" "$hls_port" \
  "$webrtc_port" "$ice_port" "$rtsp_port" "$mediamtx_metrics_port"; do
  if (exec 5<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    say "port $port is already in use; stop what uses it or pick other ports (see the top of $0)"
    exit 1
  fi
done

# --- PostgreSQL
server=${CAMPLANE_PG:-${DATABASE_URL%/*}}
if [[ -z $server ]] || ! pg_isready -q -d "$server/postgres"; then
  say "no PostgreSQL answers at '$server'; run through scripts/with-postgres.sh (make run does) or set CAMPLANE_PG"
  exit 1
fi
psql -q "$server/postgres" -tc "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1 \
  || psql -q "$server/postgres" -c "CREATE DATABASE \"$database\""

# --- build: the service, MediaMTX (once), the console
cargo build "${build_flags[@]}" --locked -p camera-api
mediamtx=$(scripts/mediamtx.sh)
if [[ -n ${CAMPLANE_CONSOLE_BUILT:-} ]]; then
  say "the console is already built (CAMPLANE_CONSOLE_BUILT)"
elif [[ -f frontend/package.json ]]; then
  say "building the console"
  # npm ci starts from scratch; only when the lock file changed since.
  if [[ ! frontend/node_modules/.package-lock.json -nt frontend/package-lock.json ]]; then
    (cd frontend && npm ci --no-audit --no-fund)
  fi
  (cd frontend && npm run build)
else
  say "no frontend/ yet: the API runs without the console"
fi

# --- the demo camera: exits when its stdin closes, i.e. when this shell
# goes, however it goes (fd 3 is the only writer of that pipe).
# Opened read-write first: opening a FIFO for one direction only blocks
# until the other side opens.
rm -f "$run/camera.stdin"
mkfifo "$run/camera.stdin"
exec 3<>"$run/camera.stdin"
# Not through start(): a background command's stdin is /dev/null unless the
# command itself redirects it.
setsid /usr/bin/python3 infra/test-camera/test_camera.py --port "$camera_port" \
  <"$run/camera.stdin" >"$run/camera.log" 2>&1 3>&- &
pids+=($!)
echo $! >>"$run/pids"
wait_port camera "$camera_port"

# --- MediaMTX, asking camera-api's hook about every access; its own copy of
# the configuration, whose paths camera-api writes (MEDIAMTX_CONFIG_FILE).
api_pass=$(openssl rand -hex 16)
hook="http://127.0.0.1:$api_port/api/mediamtx/auth"
(umask 077 && cp mediamtx.yml "$run/mediamtx.yml")
say "MediaMTX: $mediamtx ($("$mediamtx" --version))"
start mediamtx env MTX_AUTHHTTPADDRESS="$hook" \
  MTX_APIADDRESS=127.0.0.1:$mediamtx_port MTX_METRICSADDRESS=127.0.0.1:$mediamtx_metrics_port \
  MTX_RTSPADDRESS=127.0.0.1:$rtsp_port MTX_HLSADDRESS=127.0.0.1:$hls_port \
  MTX_WEBRTCADDRESS=127.0.0.1:$webrtc_port MTX_PLAYBACKADDRESS=127.0.0.1:$playback_port \
  MTX_WEBRTCLOCALUDPADDRESS=$host:$ice_port MTX_WEBRTCLOCALTCPADDRESS=$host:$ice_port \
  MTX_WEBRTCADDITIONALHOSTS=$webrtc_host \
  "$mediamtx" "$run/mediamtx.yml"
export MEDIAMTX_RTSP_URL=rtsp://127.0.0.1:$rtsp_port
wait_port mediamtx "$mediamtx_port"
wait_port mediamtx "$hls_port"
wait_port mediamtx "$webrtc_port"
wait_port mediamtx "$playback_port"

# --- more MediaMTX nodes (CAMPLANE_NODES), registered below once the API
# answers; each writes `mediamtx-node-<n>.pid` for tests that kill one.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
node_bodies=()
for ((n = 1; n <= ${CAMPLANE_NODES:-0}; n++)); do
  read -r n_api n_rtsp n_hls n_webrtc n_ice n_playback < <(for _ in 1 2 3 4 5 6; do free_port; done | xargs)
  # In the node directory camera-api writes bulk changes to (as it does
  # MediaMTX's own file): one reload for a failover's thousands of paths.
  mkdir -p "$run/node-configs/local-$n"
  (umask 077 && cp mediamtx.yml "$run/node-configs/local-$n/mediamtx.yml")
  setsid env MTX_AUTHHTTPADDRESS="$hook" MTX_METRICS=no \
    MTX_APIADDRESS=127.0.0.1:$n_api MTX_RTSPADDRESS=127.0.0.1:$n_rtsp MTX_HLSADDRESS=127.0.0.1:$n_hls \
    MTX_WEBRTCADDRESS=127.0.0.1:$n_webrtc MTX_PLAYBACKADDRESS=127.0.0.1:$n_playback \
    MTX_WEBRTCLOCALUDPADDRESS=$host:$n_ice MTX_WEBRTCLOCALTCPADDRESS=$host:$n_ice \
    MTX_WEBRTCADDITIONALHOSTS=$webrtc_host \
    "$mediamtx" "$run/node-configs/local-$n/mediamtx.yml" >"$run/mediamtx-node-$n.log" 2>&1 3>&- &
  node_pids+=($!)
  echo $! >>"$run/pids"
  echo $! >"$run/mediamtx-node-$n.pid"
  wait_port "mediamtx-node-$n" "$n_api"
  node_bodies+=("{\"name\":\"local-$n\",\"api_url\":\"http://127.0.0.1:$n_api\",\"rtsp_url\":\"rtsp://127.0.0.1:$n_rtsp\",\"hls_url\":\"http://127.0.0.1:$n_hls\",\"webrtc_url\":\"http://127.0.0.1:$n_webrtc\",\"playback_url\":\"http://127.0.0.1:$n_playback\"}")
done

# --- the key that seals camera passwords in the database: it must stay with
# the database, so a generated one is kept in the run directory.
if [[ -z ${CAMPLANE_SECRET_KEY:-} ]]; then
  if [[ ! -s $run/secret-key ]]; then
    (umask 077 && openssl rand -base64 32 >"$run/secret-key")
    say "no CAMPLANE_SECRET_KEY given: generated one into $run/secret-key (it seals the camera passwords of database $database; keep the two together)"
  else
    say "CAMPLANE_SECRET_KEY from $run/secret-key"
  fi
  CAMPLANE_SECRET_KEY=$(<"$run/secret-key")
fi

# --- the first admin: "admin", with a password generated once into the run
# directory (used only while the database has no users).
if [[ ! -s $run/admin-password ]]; then
  (umask 077 && openssl rand -base64 18 >"$run/admin-password")
fi
admin_password=$(<"$run/admin-password")

# --- camera-api (secrets go through the environment, never a command line)
CAMPLANE_SECRET_KEY=$CAMPLANE_SECRET_KEY CAMPLANE_INITIAL_ADMIN_PASSWORD=$admin_password \
  start camera-api env DATABASE_URL="$server/$database" \
  CAMPLANE_LISTEN="127.0.0.1:$api_port" CAMPLANE_CONSOLE_DIR=frontend/dist \
  MEDIAMTX_API_URL="http://127.0.0.1:$mediamtx_port" MEDIAMTX_API_USER=camplane MEDIAMTX_API_PASS="$api_pass" \
  MEDIAMTX_CONFIG_FILE="$run/mediamtx.yml" CAMPLANE_NODE_CONFIG_DIR="$(realpath -m "$run/node-configs")" \
  MEDIAMTX_PLAYBACK_URL="http://127.0.0.1:$playback_port" CAMPLANE_RECORDINGS_DIR="$recordings" \
  CAMPLANE_EXPORTS_DIR="$(realpath -m "$run/exports")" \
  CAMPLANE_EDGE_MAPS_DIR="$edge_maps" CAMPLANE_EDGE_RUNTIME="$edge_runtime" \
  CAMPLANE_METRICS_LISTEN="${CAMPLANE_METRICS_LISTEN:-127.0.0.1:9464}" \
  "$bin/camera-api"
wait_port camera-api "$api_port"
# Ready once migrations ran and its tasks started (a fresh database on a
# busy machine takes seconds); the edge takes it into rotation at its first
# passing check, and the demo camera is added through the edge.
api_pid=${pids[-1]} waited=0
until curl -fso /dev/null "http://127.0.0.1:$api_port/readyz"; do
  if ! kill -0 "$api_pid" 2>/dev/null; then
    wait "$api_pid" && status=0 || status=$?
    ended "$api_pid" "$status"
    exit 1
  fi
  if ((++waited == 150)); then
    say "camera-api is not ready after 30 s, still waiting: $(curl -s "http://127.0.0.1:$api_port/readyz")"
  fi
  sleep 0.2
done

# --- HAProxy, with a self-signed certificate made once
if [[ ! -s $run/edge.pem ]]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=$host" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:$host" \
    -keyout "$run/edge.key" -out "$run/edge.crt" 2>/dev/null
  cat "$run/edge.crt" "$run/edge.key" >"$run/edge.pem"
  rm -f "$run/edge.key"
fi
# The edge's routes to MediaMTX nodes (docs/nodes.md): camera-api writes
# the maps and replaces them through the runtime socket.
mkdir -p "$edge_maps"
touch "$edge_maps/hls.map" "$edge_maps/webrtc.map" "$edge_maps/playback.map"
start haproxy env HAP_HTTP_BIND="$host:$http_port" HAP_HTTPS_BIND="$host:$https_port" \
  HAP_HTTPS_PORT="$https_port" HAP_CERT="$run/edge.pem" \
  HAP_LUA="$PWD/haproxy/problem.lua" HAP_API_TIMEOUT=35s \
  HAP_API_SERVER="127.0.0.1:$api_port" HAP_HLS_SERVER="127.0.0.1:$hls_port" HAP_HLS_TIMEOUT=45s \
  HAP_WEBRTC_SERVER="127.0.0.1:$webrtc_port" HAP_PLAYBACK_SERVER="127.0.0.1:$playback_port" \
  HAP_MAPS_DIR="$edge_maps" HAP_RUNTIME="$edge_runtime" \
  HAP_API_RATE="${CAMPLANE_API_RATE:-600}" HAP_LOGIN_RATE="${CAMPLANE_LOGIN_RATE:-20}" HAP_MAX_BODY=65536 HAP_RETRY_AFTER=5 \
  haproxy -f haproxy/haproxy.cfg -db
wait_port haproxy "$https_port"

# --- a demo camera in the registry, once, added as the admin (the login's
# body goes on standard input, so the password is on no command line)
edge="https://$host:$https_port"
jar="$run/admin-cookies"
# The edge answers 503 until its first health check of camera-api passes.
for _ in $(seq 1 50); do
  answer=$(printf '{"username":"admin","password":"%s"}' "$admin_password" \
    | curl -sSk -c "$jar" -H 'content-type: application/json' --data-binary @- \
      -w '\n%{http_code}' "$edge/api/session") || answer=
  [[ ${answer##*$'\n'} == 503 ]] || break
  sleep 0.2
done
csrf=$(sed -nE 's/.*"csrf_token":"([^"]+)".*/\1/p' <<<"$answer")
# Registers node `local-<n>`, or points the one of an earlier run at this
# run's ports.
register_node() {
  local n=$1 body=$2 answer id
  answer=$(curl -sSk -b "$jar" -X POST -H 'content-type: application/json' -H "x-csrf-token: $csrf" \
    -d "$body" -w '\n%{http_code}' "$edge/api/nodes") || answer=
  case ${answer##*$'\n'} in
    201) ;;
    409)
      id=$(curl -fsSk -b "$jar" "$edge/api/nodes" | python3 -c \
        'import json, sys; print(next(n["id"] for n in json.load(sys.stdin)["items"] if n["name"] == sys.argv[1]))' "local-$n")
      curl -fsSk -b "$jar" -X PATCH -H 'content-type: application/json' -H "x-csrf-token: $csrf" \
        -d "$body" "$edge/api/nodes/$id" >/dev/null
      ;;
    *) say "could not register MediaMTX node local-$n: ${answer%$'\n'*}"; exit 1 ;;
  esac
}
if [[ -n $csrf ]]; then
  for n in "${!node_bodies[@]}"; do
    register_node $((n + 1)) "${node_bodies[n]}"
  done
  if ((${#node_bodies[@]})); then
    say "registered ${#node_bodies[@]} MediaMTX nodes (local-1 …)"
  fi
fi
if [[ -z $csrf ]]; then
  say "could not log in as admin with $run/admin-password (changed in the console?); no demo camera added"
elif ! curl -fsSk -b "$jar" "$edge/api/cameras" | grep -q '"Demo camera"'; then
  curl -fsSk -b "$jar" -X POST -H 'content-type: application/json' -H "x-csrf-token: $csrf" \
    -d "{\"name\":\"Demo camera\",\"stream_url\":\"rtsp://127.0.0.1:$camera_port/cam1\"}" \
    "$edge/api/cameras" >/dev/null && say "added the demo camera"
fi
rm -f "$jar"

cat <<EOF

  Camplane is running: open $edge/
  Log in as admin with the password in $run/admin-password
  (self-signed certificate: accept the browser's warning; the CA-less cert is $run/edge.pem)
  API docs:  $edge/api/docs/
  Logs:      $run/*.log
  Ctrl-C stops everything.

EOF
wait -n -p exited "${pids[@]}" && status=0 || status=$?
ended "$exited" "$status"
exit 1
