#!/usr/bin/env bash
# Runs one project's tests with node's test runner (TypeScript through tsx).
#   tools/scripts/test-project.sh PROJECT_ROOT unit|int
# unit: *.test.ts except *.int.test.ts (pure code, no servers)
# int:  *.int.test.ts (real Kafka, Postgres, S3, SQS from tools/stack)
set -euo pipefail
root=$1
kind=$2
if [[ $kind == unit ]]; then
  mapfile -t files < <(find "$root" -name '*.test.ts' ! -name '*.int.test.ts' -not -path '*/node_modules/*' | sort)
else
  mapfile -t files < <(find "$root" -name '*.int.test.ts' -not -path '*/node_modules/*' | sort)
fi
if ((${#files[@]} == 0)); then
  echo "no $kind tests in $root"
  exit 0
fi
exec node --import tsx --test --test-reporter=spec --test-concurrency=1 "${files[@]}"
