#!/usr/bin/env bash
# Runs the Slipway API with embedded defaults: installs what is missing, starts MongoDB-protocol
# and Redis servers of its own and the database hosts (PostgreSQL, MariaDB, Redis, MongoDB; data
# kept in .data/) unless MONGODB_URI / REDIS_URL / DATABASE_HOSTS are set, compiles, and serves
# GraphQL at http://localhost:${PORT:-3000}/graphql.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx tsc -p tsconfig.build.json
exec node scripts/dev.js
