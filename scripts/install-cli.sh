#!/usr/bin/env bash
# Installs the `slipway` command from this clone: installs the dependencies when missing, compiles
# the CLI, and links it into npm's global bin directory (on the PATH where npm's is).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund
fi
npm run --silent build:cli
npm link --no-audit --no-fund >/dev/null
bin="$(npm prefix --global)/bin/slipway"
echo "Installed: $bin"
"$bin" --help >/dev/null
echo "Run \`slipway --help\` to start (\`slipway login\` first)."
