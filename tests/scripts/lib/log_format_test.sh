#!/usr/bin/env bash
# fm_log_format (scripts/lib/common.sh), which scripts/run uses: text when the
# log goes to a terminal, json when it does not, LOG_FORMAT when it is set.
# A terminal comes from util-linux's `script`, which runs the command on a pty.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
check() {
  local want=$1 got=$2 what=$3
  if [[ $got != "$want" ]]; then
    echo "FAIL: $what: got '$got', want '$want'" >&2
    exit 1
  fi
  echo "ok: $what -> $got"
}
call="source '$root/scripts/lib/common.sh'; fm_log_format"
check json "$(env -u LOG_FORMAT bash -c "$call" 2>/dev/null)" "stderr not a terminal"
check json "$(env -u LOG_FORMAT bash -c "$call" 2>&1 | cat)" "stderr a pipe"
check text "$(env -u LOG_FORMAT script -qec "bash -c \"$call\"" /dev/null | tr -d '\r')" "stderr a terminal"
check json "$(LOG_FORMAT=json script -qec "bash -c \"$call\"" /dev/null | tr -d '\r')" "LOG_FORMAT=json on a terminal"
check text "$(LOG_FORMAT=text bash -c "$call" 2>/dev/null)" "LOG_FORMAT=text off a terminal"
