#!/bin/sh
# Runs the k6 load test against FlagMeter. The target is K6_BASE_URL when it
# is set; otherwise whichever address works on the network the container
# runs on:
#   - http://api:3000 where the host "api" resolves: the compose network
#     (`docker run --network=flagmeter flagmeter-load`, or
#     `docker compose --profile load up load-test`);
#   - http://localhost:3000 elsewhere (`docker run --rm --network=host
#     flagmeter-load` against `scripts/run` or the stack's published port).
# Arguments go to `k6 run` (before the script), e.g. --vus/--duration.
set -eu

resolves() {
  if command -v getent >/dev/null 2>&1; then
    getent hosts "$1" >/dev/null 2>&1
  else
    nslookup "$1" >/dev/null 2>&1
  fi
}

if [ -z "${K6_BASE_URL:-}" ]; then
  if resolves api; then
    K6_BASE_URL=http://api:3000
  else
    K6_BASE_URL=http://localhost:3000
  fi
  export K6_BASE_URL
fi
echo "flagmeter-load: target $K6_BASE_URL (set K6_BASE_URL to change it)" >&2
exec k6 run "$@" /home/k6/load.js
