# ClusterMap — two commands: `make run` and `make test`. Both install what is missing (as root on
# Debian/Ubuntu), create the database and role, and use DATABASE_URL when it is already set.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
BIN := bin/clustermap
# The database URL: the caller's, else the local one .ci/db.sh creates (its random password is
# kept outside the repository).
# (Two steps, so that a failing db.sh stops the recipe instead of exporting an empty URL.)
DB = url="$${DATABASE_URL:-}"; [ -n "$$url" ] || url=$$(.ci/db.sh); export DATABASE_URL="$$url"

.PHONY: run test build vendor setup setup-test bench vet clean

run: setup build
	$(DB); $(BIN) seed && exec $(BIN) serve

test: setup-test vendor vet
	$(DB); $(GO) test -count=1 -timeout 30m ./...

build: vendor
	$(GO) build -o $(BIN) ./cmd/clustermap

# Front-end libraries come from npm (package-lock.json) and are copied into static/vendor/
# (git-ignored) before the Go build embeds static/.
vendor: node_modules/.package-lock.json
	static/copy-vendor.sh

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

setup:
	.ci/install.sh

setup-test:
	.ci/install.sh --browser --gdal

# Tile benchmarks: the Go benchmark of the tile path, then the load test (cmd/clustermap-bench):
# every tile over Gia Lai z6–z14 of each polygon layer at 32 connections on 127.0.0.1, cache off
# and on, the server's static-file ceiling, and pg_tileserv on the same database when its binary
# is on PATH or given as PG_TILESERV=/path/to/pg_tileserv (it is not built here). ~2 minutes.
bench: setup build
	$(DB); $(GO) test -run '^$$' -bench '^BenchmarkTile$$' -benchtime 2000x ./server/ && \
	  $(GO) run ./cmd/clustermap-bench -clustermap $(BIN) $${PG_TILESERV:+-pg_tileserv "$$PG_TILESERV"}

vet: vendor
	$(GO) vet ./...

clean:
	rm -rf bin static/vendor node_modules
