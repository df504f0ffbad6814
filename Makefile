# The two commands a newcomer needs: `make run` (the whole product) and
# `make test` (every test). CI runs `make test` too (.ci/run).

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Tests create one database per test on the server DATABASE_URL names; unset,
# scripts/with-postgres.sh starts the project's own local PostgreSQL (and
# installs it when missing) for the length of the command.
# Queries are checked against the committed .sqlx data, never against the
# test server, so a build needs no migrated database.
export SQLX_OFFLINE := true

.PHONY: help deps run-deps test test-suite lint run bench bench-suite sqlx-prepare

# The console's packages, reinstalled only when the lock file changes.
CONSOLE_DEPS := frontend/node_modules/.package-lock.json
$(CONSOLE_DEPS): frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund

help:
	@echo "make run    run Camplane locally"
	@echo "make test   run every test (installs what the tests need)"
	@echo "make lint   rustfmt, clippy, module cycles and unused dependencies, as CI runs them"
	@echo "make bench  benchmarks against their targets (docs/benchmarks.md)"

# Running needs no browser; the tests drive Chromium.
run-deps:
	@scripts/install-deps.sh
	@scripts/mediamtx.sh >/dev/null

deps:
	@scripts/install-deps.sh --browser
	@scripts/mediamtx.sh >/dev/null

# The service's tests, the console's unit tests, then the console in a real
# browser against the whole stack (scripts/run-local.sh on free ports).
test: deps $(CONSOLE_DEPS)
	@scripts/with-postgres.sh $(MAKE) --no-print-directory test-suite

# Four tests at a time on two cores: API tests mostly wait on the processes
# they start (MediaMTX, ffmpeg, cameras), using about a third of the CPU two
# at a time.
test-suite:
	cargo test --workspace --locked -- --test-threads=4
	@echo "soak: 64 clients against the real binary for 60 s (about 80 s in all)"
	cargo test -p camera-api --test api --locked -- --ignored
	scripts/fuzz.sh
	cd frontend && npm test
	cd frontend && npm run e2e

lint: $(CONSOLE_DEPS)
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --locked -- -D warnings
	scripts/module-cycles.py services/camera-api/src
	scripts/unused-deps.py services/camera-api
	cd frontend && npm run lint

# Ctrl-C (130) is how a run ends, not an error.
run: run-deps
	@scripts/with-postgres.sh scripts/run-local.sh || test $$? -eq 130

# Benchmarks with targets; prints tables and writes docs/benchmarks.md and
# docs/latency.md (glass-to-glass, in Chromium).
bench: deps $(CONSOLE_DEPS)
	@scripts/with-postgres.sh $(MAKE) --no-print-directory bench-suite

bench-suite:
	cargo bench -p camera-api --bench targets --locked
	cd frontend && npm run latency

# After changing a query or a migration: regenerate the offline query data.
sqlx-prepare:
	SQLX_OFFLINE=false scripts/with-postgres.sh scripts/sqlx-prepare.sh
