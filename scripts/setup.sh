#!/usr/bin/env bash
# Installs what Slipway needs on a fresh Debian machine: npm packages, the system packages for the
# embedded MongoDB-protocol server (a JDK and Maven) and Redis, and what the executor runs users'
# code with (bubblewrap, prlimit, GNU time, git), when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[setup] installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

node -e "require('./tools/embedded-servers').ensureSystemPackages()"

# What the executor runs users' code with: bubblewrap for the sandbox, prlimit (util-linux) for
# rlimits, GNU time for peak memory and CPU time, and git for checkouts.
missing=()
command -v bwrap >/dev/null || missing+=(bubblewrap)
command -v prlimit >/dev/null || missing+=(util-linux)
[ -x /usr/bin/time ] || missing+=(time)
command -v git >/dev/null || missing+=(git)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "[setup] missing system packages: ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "[setup] installing ${missing[*]} (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
