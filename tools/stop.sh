#!/usr/bin/env bash
# Stops the local stack started by npm start / npm test (Postgres is left running).
set -euo pipefail
exec bash "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/stack/stack.sh" down
