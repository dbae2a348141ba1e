#!/usr/bin/env bash
# Runs the test suites on the compiled output and ends with one line: "N passed, N failed".
# Usage: scripts/run-tests.sh [all|unit|integration|e2e]   (all = lint + unit + integration + e2e)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
what=${1:-all}
passed=0 failed=0 pending=0 status=0
logdir=$(mktemp -d)
trap 'rm -rf "$logdir"' EXIT

count() { grep -Eo "^ +[0-9]+ $1" "$2" | tail -1 | grep -Eo '[0-9]+' || echo 0; }

run_suite() {
  local name=$1 log="$logdir/$1.log"
  shift
  local files pattern
  files=$(for pattern in "$@"; do find dist -path "$pattern" -name '*.test.js' 2>/dev/null; done | sort)
  if [ -z "$files" ]; then echo "== $name: no tests"; return; fi
  echo "== $name"
  # shellcheck disable=SC2086
  timeout --kill-after=30 3000 npx mocha --reporter spec $files 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]} p f s
  p=$(count passing "$log"); f=$(count failing "$log"); s=$(count pending "$log")
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "== $name: mocha exited $rc without a failure count"; fi
  passed=$((passed + p)); failed=$((failed + f)); pending=$((pending + s))
  [ "$rc" -eq 0 ] || status=1
}

if [ "$what" = all ]; then
  echo "== lint"
  if ! (npx eslint . && npx prettier --check . >/dev/null); then
    echo "== lint failed"; failed=$((failed + 1)); status=1
  fi
fi
case "$what" in all|unit) run_suite unit 'dist/src/*' 'dist/test/sim/*' 'dist/bench/lib/*' ;; esac
case "$what" in all|integration) run_suite integration 'dist/test/integration/*' ;; esac
case "$what" in all|e2e) run_suite e2e 'dist/test/e2e/*' ;; esac

# Repeat each failing suite's failure report last, where a truncated log still shows it.
for log in "$logdir"/*.log; do
  [ -e "$log" ] || continue
  if grep -Eq '^ +[0-9]+ failing' "$log"; then
    echo "== failures in $(basename "$log" .log)"
    sed -n '/^ *[0-9][0-9]* failing/,$p' "$log" | head -c 6000
    echo
  fi
done

[ "$pending" -eq 0 ] || { echo "$pending pending (skipped) tests count as failures"; failed=$((failed + pending)); status=1; }
echo "$passed passed, $failed failed"
exit "$status"
