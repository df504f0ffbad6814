#!/usr/bin/env bash
# Regenerates services/camera-api/.sqlx, the offline query data that lets the
# crate build without a database (CI, Docker). Run it after changing a query or
# a migration; commit the result.
#
# sqlx's macros write this data themselves when they check queries against a
# live database with SQLX_OFFLINE_DIR set, so no sqlx-cli is needed.
set -euo pipefail
cd "$(dirname "$0")/.."

server=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
db="camplane_prepare_$$"
base=${server%/*}
psql -q "$server" -c "CREATE DATABASE $db"
trap 'psql -q "$server" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"' EXIT
for migration in services/camera-api/migrations/*.sql; do
  psql -q -v ON_ERROR_STOP=1 "$base/$db" -f "$migration"
done

out=services/camera-api/.sqlx
rm -rf "$out" && mkdir -p "$out"
# Touch the sources so every query macro expands again.
find services/camera-api/src services/camera-api/tests -name '*.rs' -exec touch {} +
SQLX_OFFLINE=false SQLX_OFFLINE_DIR="$PWD/$out" DATABASE_URL="$base/$db" \
  cargo check -q -p camera-api --all-targets
echo "wrote $(ls "$out" | wc -l) queries to $out"
