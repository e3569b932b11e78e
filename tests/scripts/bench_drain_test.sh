#!/usr/bin/env bash
# scripts/bench --drain end to end on a small backlog: 2000 events accepted
# while PostgreSQL is stopped, then committed once it is back, with exact
# conservation, a drain rate and the CPU budget in the results.
# Usage: bench_drain_test.sh <build folder with flagmeter and tools/load/flagmeter-load>
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:?usage: bench_drain_test.sh BUILD_DIR}
out=$(mktemp -d "${TMPDIR:-/tmp}/flagmeter-bench-drain-test.XXXXXX")
trap 'rm -rf "$out"' EXIT
FM_BENCH_SKIP_BUILD=1 FM_BENCH_BUILD_DIR=$build "$root/scripts/bench" --drain 2000 --workers 2 --batch-size 300 \
  --out "$out/results.json" >"$out/log.txt" 2>&1 || {
  tail -n 40 "$out/log.txt" >&2
  echo "FAIL: scripts/bench --drain 2000 exited with an error" >&2
  exit 1
}
check() {
  local filter=$1 what=$2
  if ! jq -e "$filter" "$out/results.json" >/dev/null; then
    echo "FAIL: $what: $(jq -c '.load | del(.cpu_budget)' "$out/results.json")" >&2
    exit 1
  fi
  echo "ok: $what"
}
check '.load.accepted_by_service == 2000 and .load.conservation_exact and .load.drained' "2000 accepted, drained, exact"
check '.load.worker_concurrency == "2" and .load.batch_size == "300"' "the workers and batch size in the results"
check '.load.drain_events_per_second > 0 and .load.cpu_budget.parts.postgres.cpu_ms > 0' "a rate and PostgreSQL's CPU"
check '.load.cpu_budget.parts.flagmeter.us_per_event > 0 and .load.cpu_us_per_event_postgres > 0' "CPU per event"
