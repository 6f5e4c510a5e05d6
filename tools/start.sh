#!/usr/bin/env bash
# The main command (npm start): installs what is missing, brings up the local stack (Kafka, ElasticMQ,
# s3rver, Postgres), starts the five services, loads the sample logs and serves the API.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash tools/scripts/ensure-deps.sh
bash tools/stack/stack.sh up
exec node --import tsx tools/run-all.ts
