# amko-ts: every target puts a Node.js >= 22.19 first on PATH (bootstrapped into the tools cache).
SHELL := /bin/bash
NODE_BIN := $(shell scripts/node-env.sh)
export PATH := $(NODE_BIN):$(PATH)
N ?= 3
OPENSHIFT ?=
SEED ?=
ONLY ?=
SHORT ?=

.PHONY: install build lint tools test test-unit test-integration test-e2e clusters clusters-down demo bench chaos proto image clean

node_modules/.install-stamp: package.json package-lock.json
	npm ci --no-fund --no-audit --loglevel=error
	@touch $@

install: node_modules/.install-stamp

# tsc into dist/, then amko's entry bundled with every package it loads (scripts/bundle.mjs).
build: install
	npx tsc -p tsconfig.json
	node scripts/bundle.mjs

lint: install
	npx eslint .
	npx prettier --check .

tools:
	scripts/tools.sh

test: install tools build
	scripts/run-tests.sh

test-unit: build
	scripts/run-tests.sh unit

test-integration: build tools
	scripts/run-tests.sh integration

test-e2e: build tools
	scripts/run-tests.sh e2e

clusters: build tools
	node dist/test/support/clusters-cli.js up --n $(N) --openshift "$(OPENSHIFT)" --dir .cache/clusters

clusters-down: build
	node dist/test/support/clusters-cli.js down --dir .cache/clusters

demo: build tools
	node dist/test/support/demo.js

# make bench [ONLY=name[,name]] [SHORT=1]; BENCH_RUNS, BENCH_RESULTS_DIR, SCALE_SIZES, … (bench/run.ts)
bench: build tools
	node dist/bench/run.js $(if $(SHORT),--short) $(ONLY)

chaos: build tools
	node dist/test/chaos/run.js $(if $(SEED),--seed $(SEED)) $(ONLY)

# OCI image ghcr.io/amko-ts/amko:<version> in .cache/image (layout and archive), no engine needed.
image: build
	scripts/image.sh

proto: install
	scripts/gen-proto.sh

clean:
	rm -rf dist .cache
