#!/usr/bin/env bash
# Installs what Slipway needs on a fresh Debian machine: npm packages, and the system packages
# for the embedded MongoDB-protocol server (a JDK and Maven) and Redis when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[setup] installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

node -e "require('./tools/embedded-servers').ensureSystemPackages()"
