#!/usr/bin/env bash
# Cold start of `osprey rekognition describe-projects` vs `aws rekognition describe-projects` (v1, first
# on PATH; and v2 at /usr/bin/aws when installed) against the same started Osprey server, in one run.
# Prints the mean of each and the ratio. Needs a built dist/ (npm run build) and hyperfine
# (apt-get install -y hyperfine); falls back to repeated runs without it. When dist/cli/ is plain tsc
# output (someone ran tsc alone), it first runs the bundling step of the build (scripts/bundle-cli.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
grep -q 'bundle-cli.mjs' dist/cli/index.js 2>/dev/null || node scripts/bundle-cli.mjs
node --input-type=module -e "const c = await import('./dist/cli/index.js'); console.log('code cache used: ' + c.codeCacheUsed)"
RUNS=${RUNS:-20}
DATA=$(mktemp -d)
PORT=${PORT:-47$((RANDOM % 90 + 10))}
node bin/osprey.js serve --port "$PORT" --data-dir "$DATA" >"$DATA/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 50); do grep -q "osprey listening" "$DATA/server.log" && break; sleep 0.2; done
export AWS_ACCESS_KEY_ID=111122223333 AWS_SECRET_ACCESS_KEY=bench AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
EP="--endpoint-url http://127.0.0.1:$PORT"
node bin/osprey.js rekognition create-project --project-name bench $EP >/dev/null
V1=$(which -a aws | grep -v -x -e /usr/bin/aws -e /bin/aws | head -1)
OSPREY="node bin/osprey.js rekognition describe-projects $EP"
AWS1="$V1 rekognition describe-projects $EP"
mean() { # command → mean seconds
  if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$DATA/h.json" "$1" >/dev/null 2>&1
    node -e "console.log(JSON.parse(require('fs').readFileSync('$DATA/h.json','utf8')).results[0].mean.toFixed(4))"
  else
    local s e; s=$(date +%s.%N); for _ in $(seq "$RUNS"); do $1 >/dev/null; done; e=$(date +%s.%N)
    node -e "console.log((($e-$s)/$RUNS).toFixed(4))"
  fi
}
O=$(mean "$OSPREY"); A1=$(mean "$AWS1")
echo "osprey rekognition describe-projects: ${O}s"
echo "aws v1 ($($V1 --version 2>&1 | cut -d' ' -f1)) describe-projects: ${A1}s"
node -e "console.log('ratio v1/osprey: ' + ($A1/$O).toFixed(2) + 'x (goal >= 4x)')"
if [ -x /usr/bin/aws ]; then
  A2=$(mean "/usr/bin/aws rekognition describe-projects $EP")
  echo "aws v2 (/usr/bin/aws) describe-projects: ${A2}s"
  node -e "console.log('ratio v2/osprey: ' + ($A2/$O).toFixed(2) + 'x')"
fi
