#!/usr/bin/env bash
# Runs every test: builds, then node's test runner over test/**/*.test.ts (TypeScript through tsx).
# Test state lives in one folder per run (test/helpers/tmp.ts), removed when the run ends: it is
# OSPREY_TEST_RUN_DIR, and TMPDIR too, so every server, CLI and browser a test starts writes there.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent  # tsc, then the CLI bundle (scripts/bundle-cli.mjs)
files=$(find test -name '*.test.ts' | sort)
run_dir=$(mktemp -d "${TMPDIR:-/tmp}/osprey-test-run.XXXXXX")
trap 'rm -rf "$run_dir"' EXIT
export OSPREY_TEST_RUN_DIR="$run_dir" TMPDIR="$run_dir"
node --import tsx --test --test-concurrency=2 --test-timeout=600000 $files
# The interop suites (aws CLI, boto3, JS SDK) once more, against a 2-node PostgreSQL + S3 cluster behind
# a round-robin proxy (test/helpers/cluster.ts); needs the PostgreSQL test cluster (.ci/run starts one).
if [ -n "${OSPREY_TEST_DATABASE_URL:-}" ] || [ "${CI:-}" = true ]; then
  OSPREY_TEST_CLUSTER=pg-s3 node --import tsx --test --test-concurrency=2 --test-timeout=600000 \
    test/interop/projects.test.ts test/interop/errors.test.ts test/interop/strict.test.ts test/s3/interop.test.ts
fi
