#!/usr/bin/env bash
# Runs every test: builds, then node's test runner over test/**/*.test.ts (TypeScript through tsx).
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent  # tsc, then the CLI bundle (scripts/bundle-cli.mjs)
files=$(find test -name '*.test.ts' | sort)
exec node --import tsx --test --test-concurrency=2 --test-timeout=600000 $files
