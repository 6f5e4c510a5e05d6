#!/usr/bin/env bash
# The one test command (README, .ci/run): installs what is missing, brings up the local stack,
# then runs format check, typecheck, lint, unit tests, builds and integration tests of every project.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export NX_DAEMON=false NX_TUI=false NX_NO_CLOUD=true NX_SKIP_NX_CACHE=${NX_SKIP_NX_CACHE:-true} FORCE_COLOR=0

bash tools/scripts/ensure-deps.sh
# Debian's chromium for the dashboard test (skipped, saying so, when it cannot be installed).
bash tools/scripts/ensure-chromium.sh

stack_was_up=false
# Read the whole status first: `grep -q` closing the pipe early fails it under pipefail.
stack_status=$(bash tools/stack/stack.sh status)
if grep -q '^kafka up' <<<"$stack_status"; then stack_was_up=true; fi
bash tools/stack/stack.sh up
if [[ $stack_was_up == false && ${LAKE_KEEP_STACK:-} != 1 ]]; then
  trap 'bash tools/stack/stack.sh down' EXIT
fi

LOG="$ROOT/test-results/test-run.log"
mkdir -p "$ROOT/test-results"
: >"$LOG"
step() { printf '\n=== %s\n' "$*" | tee -a "$LOG"; }

step "format"
npx prettier --check . 2>&1 | tee -a "$LOG"
step "typecheck"
npx tsc -p tsconfig.json --noEmit 2>&1 | tee -a "$LOG"
step "lint, unit tests, build"
npx nx run-many -t lint test build --outputStyle=stream 2>&1 | tee -a "$LOG"
step "integration tests (real Kafka, Postgres, S3, SQS)"
npx nx run-many -t int-test --parallel=1 --outputStyle=stream 2>&1 | tee -a "$LOG"

passed=$(grep -Eo 'ℹ pass [0-9]+' "$LOG" | awk '{s+=$3} END {print s+0}')
failed=$(grep -Eo 'ℹ fail [0-9]+' "$LOG" | awk '{s+=$3} END {print s+0}')
# Suites skipped as a whole (e.g. ../shared/fixtures absent) are marked '﹣' with their reason.
skipped=$(( $(grep -Eo 'ℹ skipped [0-9]+' "$LOG" | awk '{s+=$3} END {print s+0}') + $(grep -c '﹣' "$LOG" || true) ))
echo
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
[[ $failed == 0 ]]
