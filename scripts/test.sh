#!/usr/bin/env bash
# Runs every test: builds, then node's test runner over test/**/*.test.ts (TypeScript through tsx).
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.json
files=$(find test -name '*.test.ts' | sort)
exec node --import tsx --test --test-concurrency=2 --test-timeout=600000 $files
