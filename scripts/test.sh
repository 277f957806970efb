#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what is missing, type-checks, lints,
# then runs the unit specs and the end-to-end specs against real servers that the jest global
# setup starts. Ends with one summary line: "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# The type check and the lint each keep one core busy for a while, so they run side by side.
echo "[test] type-checking and linting"
npx tsc -p tsconfig.json --noEmit &
typecheck=$!
lint_status=0
npx eslint --max-warnings=0 "src/**/*.ts" "test/**/*.ts" "client/**/*.ts" "cli/**/*.ts" || lint_status=$?
typecheck_status=0
wait "$typecheck" || typecheck_status=$?
if [ "$typecheck_status" -ne 0 ] || [ "$lint_status" -ne 0 ]; then
  echo "[test] type check exit $typecheck_status, lint exit $lint_status" >&2
  exit 1
fi
npx prettier --check --log-level=warn "src/**/*.ts" "test/**/*.ts" "client/**/*.ts" "cli/**/*.ts"

results="$(mktemp)"
status=0
npx jest --ci --maxWorkers=2 --json --outputFile="$results" "$@" || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
  if (r.numTotalTests === 0) process.exit(1);
' "$results" || status=1
rm -f "$results"
exit "$status"
