#!/bin/sh
# One-shot job of docker-compose.cluster.yml: makes the three Valkey nodes
# one cluster (16,384 slots spread over three masters), unless they already
# are one, and waits until the cluster answers. Idempotent: a restarted stack
# keeps its cluster (nodes.conf is on each node's volume).
set -eu
nodes="valkey-1 valkey-2 valkey-3"
port=${VALKEY_PORT:-6379}  # every node's; a test runs the script on other ports
if valkey-cli -h valkey-1 -p "$port" cluster info | grep -q '^cluster_state:ok'; then
  echo "cluster already formed"
  exit 0
fi
addresses=""
for node in $nodes; do
  ip=$(getent hosts "$node" | awk '{print $1}')
  [ -n "$ip" ] || { echo "cannot resolve $node" >&2; exit 1; }
  addresses="$addresses $ip:$port"
done
# shellcheck disable=SC2086  # one argument per node
valkey-cli --cluster create $addresses --cluster-replicas 0 --cluster-yes
for _ in $(seq 1 60); do
  if valkey-cli -h valkey-1 -p "$port" cluster info | grep -q '^cluster_state:ok'; then
    echo "cluster formed:$addresses"
    exit 0
  fi
  sleep 1
done
echo "the cluster did not reach cluster_state:ok within 60 s" >&2
exit 1
