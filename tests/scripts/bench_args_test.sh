#!/usr/bin/env bash
# The command lines of scripts/bench (--drain, --workers, --batch-size) and
# scripts/bench-floors and scripts/bench-allocs, parsed without running anything (FM_BENCH_PARSE_ONLY).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
check() {
  local want=$1 what=$2 got
  shift 2
  got=$(env -u WORKER_CONCURRENCY -u BATCH_SIZE -u MAX_QUEUE_DEPTH FM_BENCH_PARSE_ONLY=1 "$@" 2>&1) || true
  if [[ $got != "$want" ]]; then
    echo "FAIL: $what: got '$got', want '$want'" >&2
    exit 1
  fi
  echo "ok: $what"
}
bench=$root/scripts/bench
floors=$root/scripts/bench-floors
check 'mode=drain drain_events=1000000 workers=4 batch_size=500 max_queue_depth=2000000' \
  "drain with workers and batch size" "$bench" --drain 1000000 --workers 4 --batch-size 500
check 'mode=drain drain_events=2000 workers= batch_size= max_queue_depth=1002000' "--drain=N" "$bench" --drain=2000
check 'mode=wrk drain_events= workers=2 batch_size= max_queue_depth=' "wrk with workers" "$bench" --wrk --workers 2
check "[flagmeter] error: --drain needs a positive number of events, not '0'" "zero events" "$bench" --drain 0
check "[flagmeter] error: --drain needs a positive number of events, not 'lots'" "not a number" "$bench" --drain lots
check 'rows=500000 repeat=3 items=500000 batches=1 10 100 1000 aof=yes' "floors defaults" "$floors"
check 'rows=1000 repeat=1 items=200 batches=5 50 aof=no' "floors options" "$floors" --rows 1000 --repeat 1 --items 200 --batches "5 50" --no-aof
check "[flagmeter] error: expected a positive number, not 'x'" "floors bad batch" "$floors" --batches "10 x"
check "[flagmeter] error: unknown argument '--nope' (see scripts/bench-floors --help)" "floors unknown" "$floors" --nope
allocs=$root/scripts/bench-allocs
check 'requests=2000 10000 routes=single batch usage warmup=1000 settle=1' "allocs defaults" "$allocs"
check 'requests=500 5000 routes=usage warmup=10 settle=2' "allocs options" "$allocs" --requests "500 5000" --routes usage --warmup 10 --settle 2
check "[flagmeter] error: unknown route 'all': single, batch or usage" "allocs bad route" "$allocs" --routes all
check "[flagmeter] error: expected a positive number, not '0'" "allocs zero requests" "$allocs" --requests 0
