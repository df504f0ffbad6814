# The two commands a newcomer needs: `make run` (the whole product) and
# `make test` (every test). CI runs `make test` too (.ci/run).

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Tests create one database per test on this server. Unset, a local
# PostgreSQL on 127.0.0.1:5432 is used when one answers; otherwise the tests
# start one with testcontainers (Docker).
LOCAL_PG := postgres://postgres@127.0.0.1:5432/postgres
export DATABASE_URL ?= $(shell pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && echo $(LOCAL_PG))
# Queries are checked against the committed .sqlx data, never against the
# test server, so a build needs no migrated database.
export SQLX_OFFLINE := true

.PHONY: help deps test lint run bench sqlx-prepare

help:
	@echo "make run    run Camplane locally"
	@echo "make test   run every test (installs what the tests need)"
	@echo "make lint   rustfmt and clippy, as CI runs them"
	@echo "make bench  benchmarks against their targets (docs/benchmarks.md)"

deps:
	@scripts/install-deps.sh

test: deps
	cargo test --workspace --locked

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --locked -- -D warnings

run: deps
	@scripts/run-local.sh

# Benchmarks with targets; prints a table and writes docs/benchmarks.md.
bench: deps
	cargo bench -p camera-api --bench media --locked

# After changing a query or a migration: regenerate the offline query data.
sqlx-prepare:
	SQLX_OFFLINE=false scripts/sqlx-prepare.sh
