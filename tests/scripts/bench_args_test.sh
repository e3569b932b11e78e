#!/usr/bin/env bash
# The command line of scripts/bench (--drain, --workers, --batch-size),
# parsed without running anything (FM_BENCH_PARSE_ONLY).
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
check 'mode=drain drain_events=1000000 workers=4 batch_size=500 max_queue_depth=2000000' \
  "drain with workers and batch size" "$bench" --drain 1000000 --workers 4 --batch-size 500
check 'mode=drain drain_events=2000 workers= batch_size= max_queue_depth=1002000' "--drain=N" "$bench" --drain=2000
check 'mode=wrk drain_events= workers=2 batch_size= max_queue_depth=' "wrk with workers" "$bench" --wrk --workers 2
check "[flagmeter] error: --drain needs a positive number of events, not '0'" "zero events" "$bench" --drain 0
check "[flagmeter] error: --drain needs a positive number of events, not 'lots'" "not a number" "$bench" --drain lots
