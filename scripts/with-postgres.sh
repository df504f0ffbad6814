#!/usr/bin/env bash
# Runs a command with DATABASE_URL naming a PostgreSQL server it may create
# databases on (`make test` and `make run` go through here).
#
# A DATABASE_URL already set wins: nothing is started. Otherwise this uses a
# cluster of the project's own, made once with Debian's PostgreSQL (installed
# when missing) in CAMPLANE_PG_DIR (default /var/lib/camplane/postgres as
# root, else ~/.cache/camplane/postgres). It listens on 127.0.0.1 only, on
# 5432 when that is free and on another free port otherwise, with trust
# authentication for loopback: a development and test server, never a
# production one (compose runs that). When this script started the server,
# it stops it when the command ends, Ctrl-C included; a server that was
# already running (another `make run`, say) is used and left running.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "with-postgres: $*" >&2; }

if [[ -n ${DATABASE_URL:-} ]]; then
  exec "$@"
fi

bindir() {
  local newest
  newest=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [[ -n $newest && -x $newest/postgres && -x $newest/initdb ]] && echo "$newest"
}
if ! bin=$(bindir); then
  say "installing PostgreSQL (Debian's postgresql package)"
  sudo=(); ((EUID == 0)) || sudo=(sudo)
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql
  bin=$(bindir) || { say "no PostgreSQL server binaries after installing"; exit 1; }
fi

# PostgreSQL refuses to run as root: as root the cluster belongs to the
# `postgres` account (the Debian package makes it), in a directory it can reach.
as_owner=()
if ((EUID == 0)); then
  as_owner=(runuser -u postgres --)
  dir=${CAMPLANE_PG_DIR:-/var/lib/camplane/postgres}
else
  dir=${CAMPLANE_PG_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/camplane/postgres}
fi
data=$dir/data
mkdir -p "$dir"
((EUID == 0)) && chown postgres: "$dir"
pg() { "${as_owner[@]}" "$bin/$1" "${@:2}"; }

port_is_free() {
  ! (exec 5<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

if [[ ! -s $data/PG_VERSION ]]; then
  say "creating a PostgreSQL cluster in $data"
  rm -rf "$data"
  pg initdb --pgdata="$data" --username=postgres --auth=trust --encoding=UTF8 \
    --no-locale --no-sync --no-instructions >"$dir/initdb.log"
  port=5432
  port_is_free "$port" || port=$(free_port)
  # Settings for a local server that tests hammer: loopback only, its
  # socket in its own directory, room for many parallel test databases,
  # and no flushes to disk (a crash loses a test database, nothing more).
  cat >>"$data/postgresql.conf" <<CONF
# camplane (scripts/with-postgres.sh)
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 400
shared_buffers = 128MB
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
fi
port=$(sed -n 's/^port = \([0-9]*\)$/\1/p' "$data/postgresql.conf" | tail -n 1)
url=postgres://postgres@127.0.0.1:$port/postgres

started=false
if ! pg pg_ctl --pgdata="$data" status >/dev/null 2>&1; then
  if ! port_is_free "$port"; then
    # Someone else took the port since the cluster was made: move.
    port=$(free_port)
    echo "port = $port" >>"$data/postgresql.conf"
    url=postgres://postgres@127.0.0.1:$port/postgres
  fi
  pg pg_ctl --pgdata="$data" --log="$dir/server.log" --wait --silent start \
    || { say "PostgreSQL did not start; see $dir/server.log"; tail -n 20 "$dir/server.log" >&2; exit 1; }
  started=true
  say "PostgreSQL started at $url (data in $data)"
else
  say "using the running PostgreSQL at $url"
fi

stop() {
  if $started; then
    pg pg_ctl --pgdata="$data" --mode=fast --wait --silent stop || true
  fi
}
trap stop EXIT
trap 'exit 130' INT TERM

export DATABASE_URL=$url
"$@"
