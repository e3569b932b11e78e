#!/usr/bin/env bash
# infra/valkey/create-cluster.sh, the one-shot job of
# docker-compose.cluster.yml, run for real without a container engine: three
# redis-server nodes in cluster mode on 127.0.0.2, .3 and .4 (loopback), the
# names valkey-1..3 resolved to them by a getent shim, valkey-cli played by
# redis-cli. The script must form one cluster of three masters that serves
# every slot, and a second run must leave it as it is. (Each node announces
# its own address: the source address of its cluster-bus connections is
# 127.0.0.1, which would otherwise be taken for its own.)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
server=$(command -v valkey-server || command -v redis-server)
cli=$(command -v valkey-cli || command -v redis-cli)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/flagmeter-create-cluster.XXXXXX")
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "create_cluster_test: $*" >&2; exit 1; }

# A port free on all three addresses, and its cluster bus port (+10000) too,
# which must stay below 65536.
port=$(python3 -c 'import random, socket
def free(port):
    for host in ("127.0.0.2", "127.0.0.3", "127.0.0.4"):
        s = socket.socket()
        try:
            s.bind((host, port))
        except OSError:
            return False
        finally:
            s.close()
    return True
for _ in range(500):
    port = random.randrange(20000, 45000)
    if free(port) and free(port + 10000):
        print(port)
        break')
[[ -n $port ]] || fail "no free port pair (port, port + 10000) on 127.0.0.2-4"
mkdir -p "$tmp/bin"
cat >"$tmp/bin/getent" <<'SHIM'
#!/bin/sh
case $2 in
  valkey-1) echo "127.0.0.2 valkey-1" ;;
  valkey-2) echo "127.0.0.3 valkey-2" ;;
  valkey-3) echo "127.0.0.4 valkey-3" ;;
  *) exit 2 ;;
esac
SHIM
chmod +x "$tmp/bin/getent"
for n in 2 3 4; do
  mkdir -p "$tmp/node$n"
  "$server" --bind "127.0.0.$n" --port "$port" --dir "$tmp/node$n" --cluster-enabled yes \
    --cluster-config-file nodes.conf --cluster-announce-ip "127.0.0.$n" --appendonly yes --save '' --daemonize no \
    --logfile "$tmp/node$n/log" &
  pids+=("$!")
done
for n in 2 3 4; do
  kill -0 "${pids[$((n - 2))]}" 2>/dev/null || fail "the node on 127.0.0.$n:$port exited: $(cat "$tmp/node$n/log")"
  for _ in $(seq 1 100); do
    pong=$("$cli" -h "127.0.0.$n" -p "$port" ping 2>/dev/null || true)
    [[ $pong == PONG ]] && break
    sleep 0.1
  done
done

# valkey-cli is redis-cli, with the name valkey-1 the script asks for
# resolved as the getent shim does. A new file, never a link: writing
# through a link would overwrite redis-cli itself.
rm -f "$tmp/bin/valkey-cli"
cat >"$tmp/bin/valkey-cli" <<SHIM
#!/bin/sh
args=""
for arg in "\$@"; do
  case \$arg in
    valkey-1) arg=127.0.0.2 ;;
  esac
  args="\$args \$arg"
done
# shellcheck disable=SC2086
exec "$cli" \$args
SHIM
chmod +x "$tmp/bin/valkey-cli"

PATH="$tmp/bin:$PATH" VALKEY_PORT=$port sh "$root/infra/valkey/create-cluster.sh" >"$tmp/first.log" 2>&1 ||
  fail "first run failed: $(cat "$tmp/first.log")"
info=$("$cli" -h 127.0.0.3 -p "$port" cluster info)
grep -q '^cluster_state:ok' <<<"$info" || fail "no cluster_state:ok after the first run: $info"
grep -q '^cluster_slots_assigned:16384' <<<"$info" || fail "not every slot assigned: $info"
grep -q '^cluster_size:3' <<<"$info" || fail "not three masters: $info"
PATH="$tmp/bin:$PATH" VALKEY_PORT=$port sh "$root/infra/valkey/create-cluster.sh" >"$tmp/second.log" 2>&1 ||
  fail "second run failed: $(cat "$tmp/second.log")"
grep -q 'already formed' "$tmp/second.log" || fail "the second run did not see the cluster: $(cat "$tmp/second.log")"
echo "create-cluster.sh formed a 3-master cluster on port $port and left it alone on a second run"
