#!/usr/bin/env bash
# Runs Camplane on this machine without Docker, against the local PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

server=${CAMPLANE_PG:-postgres://postgres@127.0.0.1:5432}
if ! pg_isready -q -d "$server/postgres"; then
  echo "run-local: no PostgreSQL answers at $server; start one or set CAMPLANE_PG" >&2
  exit 1
fi
psql -q "$server/postgres" -tc "SELECT 1 FROM pg_database WHERE datname = 'camplane'" | grep -q 1 \
  || psql -q "$server/postgres" -c "CREATE DATABASE camplane"

export DATABASE_URL="$server/camplane"
export CAMPLANE_LISTEN=${CAMPLANE_LISTEN:-127.0.0.1:8080}
cargo build --release --locked -p camera-api
echo "Camplane API: http://$CAMPLANE_LISTEN/api/docs/ (Ctrl-C stops it)"
exec target/release/camera-api
