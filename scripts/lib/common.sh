# shellcheck shell=bash
# Helpers shared by scripts/run and scripts/test: system packages, the CMake
# build, and project-local PostgreSQL and Valkey servers that never meet a
# system service (own data folder, own port, 127.0.0.1 only).
#
# Source this file from a bash script running with `set -euo pipefail`; it
# defines functions and a few variables and runs nothing else. Every failure
# ends the script through fm_die with a message saying what to do.

FM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FM_PG_BIN=${FM_PG_BIN:-/usr/lib/postgresql/15/bin}
FM_PACKAGES=(
  build-essential cmake pkg-config libboost1.81-dev libpqxx-dev libhiredis-dev
  nlohmann-json3-dev libspdlog-dev prometheus-cpp-dev libssl-dev libjemalloc-dev libgtest-dev libgmock-dev
  libbenchmark-dev postgresql redis-server nginx
  clang libclang-rt-14-dev
  prometheus prometheus-postgres-exporter prometheus-redis-exporter python3-yaml python3-jsonschema
  chromium chromium-driver
  locales
)

fm_log() { printf '[flagmeter] %s\n' "$*" >&2; }
fm_die() {
  printf '[flagmeter] error: %s\n' "$*" >&2
  exit 1
}

# fm_log_format: the LOG_FORMAT FlagMeter should use when the caller set none:
# `text` when its log (stderr) goes to a terminal, where people read it,
# `json` otherwise (a file, a pipe, a collector). A LOG_FORMAT that is set wins.
fm_log_format() {
  if [[ -n ${LOG_FORMAT:-} ]]; then
    printf '%s\n' "$LOG_FORMAT"
  elif [[ -t 2 ]]; then
    printf 'text\n'
  else
    printf 'json\n'
  fi
}

# Runs a command as root: directly when we are root, else through sudo.
_fm_as_root() {
  if ((EUID == 0)); then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    fm_die "need root to run '$*': run as root or install sudo"
  fi
}

# fm_install_deps [extra packages...]: installs the packages that are missing.
# Asks dpkg first, so a machine that has everything does no network at all.
fm_install_deps() {
  local pkg missing=() wanted=("${FM_PACKAGES[@]}" "$@")
  # The browser test runs on Node.js; a machine that has node (from any
  # source) keeps it, since Debian's npm would replace another node build.
  command -v node >/dev/null && command -v npm >/dev/null || wanted+=(nodejs npm)
  for pkg in "${wanted[@]}"; do
    if [[ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)" != installed ]]; then
      missing+=("$pkg")
    fi
  done
  if ((${#missing[@]} == 0)); then
    return 0
  fi
  fm_log "installing ${missing[*]}"
  _fm_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null ||
    fm_die "apt-get update failed: check the network and /etc/apt/sources.list"
  _fm_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing[@]}" </dev/null || fm_die "apt-get install failed for: ${missing[*]}"
}

# fm_ensure_locale <name>: makes the glibc locale <name> (en_US.UTF-8, say)
# available, generating it with locale-gen (package locales) when missing.
# The official postgres image initialises its cluster in en_US.utf8, so the
# benchmarks need it to measure what the deployment's collation costs.
fm_ensure_locale() {
  local name=$1 canonical
  canonical=$(printf '%s' "$name" | tr '[:upper:]' '[:lower:]' | sed 's/utf-8/utf8/')
  if locale -a 2>/dev/null | tr '[:upper:]' '[:lower:]' | grep -qx "$canonical"; then return 0; fi
  command -v locale-gen >/dev/null || fm_die "locale-gen is missing: apt-get install locales"
  fm_log "generating the locale $name"
  if ! grep -q "^$name " /etc/locale.gen 2>/dev/null; then
    _fm_as_root sed -i "s/^# *\($name .*\)/\1/" /etc/locale.gen
    grep -q "^$name " /etc/locale.gen || printf '%s UTF-8\n' "$name" | _fm_as_root tee -a /etc/locale.gen >/dev/null
  fi
  _fm_as_root locale-gen >/dev/null || fm_die "locale-gen failed for $name"
}

# fm_build_path <dir>: a build folder as an absolute path; relative ones are
# taken from the repository root.
fm_build_path() {
  case $1 in
    /*) echo "$1" ;;
    *) echo "$FM_ROOT/$1" ;;
  esac
}

# fm_build <build-dir> <build-type> [cmake configure args...]: configures the
# repository into <build-dir> (absolute, or relative to the repository root) and builds it.
fm_build() {
  local dir type=$2
  dir=$(fm_build_path "$1")
  shift 2
  cmake -S "$FM_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE="$type" "$@" ||
    fm_die "cmake configure of $dir failed (see above)"
  cmake --build "$dir" -j"$(nproc)" || fm_die "build of $dir failed (see above)"
}

# fm_build_sanitized <build-dir>: the unit tests (only they) built with
# AddressSanitizer and UndefinedBehaviorSanitizer.
fm_build_sanitized() {
  local dir=$1
  cmake -S "$FM_ROOT" -B "$FM_ROOT/$dir" -DCMAKE_BUILD_TYPE=Debug -DFLAGMETER_SANITIZE=ON ||
    fm_die "cmake configure of $dir failed (see above)"
  cmake --build "$FM_ROOT/$dir" --target unit_tests -j"$(nproc)" || fm_die "build of $dir failed (see above)"
}

# fm_build_fuzzers <build-dir>: the libFuzzer targets of fuzz/ (needs clang);
# the same build checks the lock annotations (-Wthread-safety, fuzz/CMakeLists.txt).
fm_build_fuzzers() {
  local dir=$1
  cmake -S "$FM_ROOT/fuzz" -B "$FM_ROOT/$dir" -DCMAKE_CXX_COMPILER=clang++ ||
    fm_die "cmake configure of $dir failed (see above)"
  cmake --build "$FM_ROOT/$dir" -j"$(nproc)" || fm_die "build of $dir failed (see above)"
}

# fm_run_fuzzers <build-dir> <seconds each>: runs every fuzzer on a copy of
# its seed corpus (fuzz/corpus/<name>/); fails on the first crash, leak or
# undefined behaviour, leaving the reproducer in <build-dir>/artifacts.
fm_run_fuzzers() {
  local dir=$FM_ROOT/$1 seconds=$2 name corpus
  mkdir -p "$dir/artifacts"
  for name in event_parser http_request http_routes; do
    corpus=$dir/corpus/$name
    mkdir -p "$corpus"
    cp -n "$FM_ROOT/fuzz/corpus/$name/"* "$corpus/" 2>/dev/null || true
    fm_log "fuzzing $name for ${seconds}s"
    "$dir/${name}_fuzzer" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$dir/artifacts/" "$corpus" >"$dir/$name.log" 2>&1 || {
      tail -n 40 "$dir/$name.log" >&2
      fm_die "fuzzer $name found a failure; reproducer in $dir/artifacts"
    }
    grep -E '^stat::number_of_executed_units' "$dir/$name.log" >&2 || true
  done
}

# True when nothing accepts TCP connections on 127.0.0.1:<port>.
fm_port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# fm_free_port: prints a TCP port on 127.0.0.1 that nothing listens on. It
# picks below the kernel's ephemeral range (32768+) so outgoing connections,
# and test servers that bind port 0, never take it first.
fm_free_port() {
  local port i
  for ((i = 0; i < 200; i++)); do
    port=$((20000 + RANDOM % 12000))
    if fm_port_is_free "$port"; then
      printf '%s\n' "$port"
      return 0
    fi
  done
  fm_die "found no free TCP port in 20000-31999 on 127.0.0.1 after 200 tries"
}

# Runs a PostgreSQL program as the user owning the cluster: `postgres` when
# we are root (PostgreSQL refuses root), else ourselves. From / so that a cwd
# the postgres user cannot read does not break the programs.
_fm_pg() {
  local tool=$1
  shift
  if ((EUID == 0)); then
    (cd / && runuser -u postgres -- "$FM_PG_BIN/$tool" "$@")
  else
    (cd / && "$FM_PG_BIN/$tool" "$@")
  fi
}

# Prints the folder the cluster for <data-dir> really lives in. As root, when
# the postgres user cannot reach <data-dir> (say, a checkout under a 0700
# home), the cluster is kept under postgres's home and <data-dir> becomes a
# symlink to it, so no permission outside the project has to change.
_fm_pg_cluster_dir() {
  local data=$1 home real
  if [[ -L $data ]]; then
    realpath -m "$data"
    return 0
  fi
  if ((EUID != 0)) || (cd / && runuser -u postgres -- test -x "$(dirname "$data")"); then
    printf '%s\n' "$data"
    return 0
  fi
  home=$(getent passwd postgres | cut -d: -f6)
  real="$home/flagmeter-clusters/$(printf '%s' "$data" | cksum | cut -d' ' -f1)"
  if [[ -d $data ]]; then
    rmdir "$data" 2>/dev/null ||
      fm_die "user postgres cannot reach $data and it is not empty: move it or chmod o+x its parents"
  fi
  mkdir -p "$real"
  chown postgres:postgres "$home/flagmeter-clusters" "$real"
  ln -s "$real" "$data"
  fm_log "user postgres cannot reach $(dirname "$data"): cluster kept in $real, linked from $data"
  printf '%s\n' "$real"
}

# Creates a cluster in <dir>: superuser `postgres`, trust on 127.0.0.1 only.
_fm_pg_init() {
  local dir=$1 log=$2
  mkdir -p "$dir"
  if ((EUID == 0)); then chown postgres:postgres "$dir"; fi
  chmod 700 "$dir"
  _fm_pg initdb -D "$dir" -U postgres -A trust -E UTF8 --no-locale >>"$log" 2>&1 ||
    fm_die "initdb of $dir failed: see $log"
  printf '%s\n' 'local all all trust' 'host all all 127.0.0.1/32 trust' >"$dir/pg_hba.conf"
  cat >>"$dir/postgresql.conf" <<'EOF'

# FlagMeter development cluster (listen address, port and socket come from pg_ctl -o).
fsync = on
synchronous_commit = on
shared_buffers = 128MB
max_connections = 100
timezone = 'UTC'
EOF
  if ((EUID == 0)); then chown postgres:postgres "$dir/pg_hba.conf" "$dir/postgresql.conf"; fi
}

# Runs SQL as the superuser over TCP; prints unaligned tuples only.
_fm_psql() {
  local port=$1
  shift
  psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -X -q -t -A -v ON_ERROR_STOP=1 "$@"
}

# fm_start_postgres <data-dir> <port> <log-file>: starts (creating on first
# use) a cluster on 127.0.0.1:<port> and makes sure role and database
# `flagmeter` exist. Blocking until the server accepts connections.
fm_start_postgres() {
  local data port=$2 log dir sock
  data=$(realpath -m "$1")
  log=$(realpath -m "$3")
  mkdir -p "$(dirname "$data")" "$(dirname "$log")"
  dir=$(_fm_pg_cluster_dir "$data")
  if _fm_pg pg_ctl -D "$dir" status >/dev/null 2>&1; then
    fm_die "PostgreSQL is already running on $data: stop it with: $FM_PG_BIN/pg_ctl -D $dir stop"
  fi
  fm_port_is_free "$port" || fm_die "port $port on 127.0.0.1 is already in use: choose another port"
  if [[ ! -s $dir/PG_VERSION ]]; then _fm_pg_init "$dir" "$log"; fi
  # The socket lives in the cluster folder when its path fits a socket name.
  sock=$dir
  if ((${#dir} > 90)); then sock=""; fi
  # No -l: the server inherits this redirection, opened by us, so the log may
  # sit where the postgres user could not create a file.
  _fm_pg pg_ctl -D "$dir" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k '$sock'" start >>"$log" 2>&1 ||
    fm_die "PostgreSQL on port $port did not start: see $log"
  local i
  for ((i = 0; i < 100; i++)); do
    if pg_isready -q -h 127.0.0.1 -p "$port"; then break; fi
    sleep 0.1
  done
  pg_isready -q -h 127.0.0.1 -p "$port" || fm_die "PostgreSQL on port $port is not ready: see $log"
  if [[ "$(_fm_psql "$port" -c "SELECT 1 FROM pg_roles WHERE rolname = 'flagmeter'")" != 1 ]]; then
    _fm_psql "$port" -c 'CREATE ROLE flagmeter LOGIN SUPERUSER' || fm_die "could not create role flagmeter"
  fi
  if [[ "$(_fm_psql "$port" -c "SELECT 1 FROM pg_database WHERE datname = 'flagmeter'")" != 1 ]]; then
    _fm_psql "$port" -c 'CREATE DATABASE flagmeter OWNER flagmeter' || fm_die "could not create database flagmeter"
  fi
}

# fm_stop_postgres <data-dir>: fast shutdown; does nothing when not running.
fm_stop_postgres() {
  local dir
  dir=$(realpath -m "$1")
  if [[ -f $dir/postmaster.pid ]] && _fm_pg pg_ctl -D "$dir" status >/dev/null 2>&1; then
    _fm_pg pg_ctl -D "$dir" -m fast -w -t 60 stop >/dev/null ||
      fm_die "PostgreSQL on $1 did not stop: $FM_PG_BIN/pg_ctl -D $dir stop -m immediate"
  fi
}

# fm_remove_postgres <data-dir>: stops the cluster and deletes it, including
# a cluster kept under postgres's home for an unreachable <data-dir>.
fm_remove_postgres() {
  local data=$1
  fm_stop_postgres "$data"
  if [[ -L $data ]]; then rm -rf "$(realpath -m "$data")"; fi
  rm -rf "$data"
}

# Prints the Valkey server binary: valkey-server when installed, else redis-server.
fm_valkey_server() {
  command -v valkey-server || command -v redis-server ||
    fm_die "neither valkey-server nor redis-server is on PATH: apt-get install redis-server"
}

_fm_valkey_cli() { command -v valkey-cli || command -v redis-cli || fm_die "no valkey-cli or redis-cli on PATH"; }

# fm_start_valkey <data-dir> <port> [server options...]: starts a daemonized
# Valkey (AOF on, fsync every second, no RDB snapshots) on 127.0.0.1:<port>,
# with the extra options given. Blocking until it answers PING.
fm_start_valkey() {
  local dir port=$2 server cli i
  dir=$(realpath -m "$1")
  mkdir -p "$dir"
  server=$(fm_valkey_server)
  cli=$(_fm_valkey_cli)
  fm_port_is_free "$port" || fm_die "port $port on 127.0.0.1 is already in use: choose another port"
  "$server" --port "$port" --bind 127.0.0.1 --dir "$dir" --appendonly yes --appendfsync everysec \
    --daemonize yes --pidfile "$dir/valkey.pid" --logfile "$dir/valkey.log" --save '' "${@:3}" ||
    fm_die "$server did not start on port $port: see $dir/valkey.log"
  printf '%s\n' "$port" >"$dir/valkey.port"
  for ((i = 0; i < 100; i++)); do
    if [[ "$("$cli" -h 127.0.0.1 -p "$port" ping 2>/dev/null)" == PONG ]]; then return 0; fi
    sleep 0.1
  done
  fm_die "$server on port $port does not answer PING: see $dir/valkey.log"
}

# fm_free_cluster_port: a free port whose cluster bus port (+10000) is free too.
fm_free_cluster_port() {
  local port i
  for ((i = 0; i < 200; i++)); do
    port=$(fm_free_port)
    if fm_port_is_free $((port + 10000)); then
      printf '%s\n' "$port"
      return 0
    fi
  done
  fm_die "found no free port pair (port, port + 10000) on 127.0.0.1 after 200 tries"
}

# fm_start_valkey_cluster <data-dir> <replicas> <port>...: one cluster-mode
# Valkey per port (in <data-dir>/node-<port>, as fm_start_valkey), made one
# cluster with <replicas> replicas per master (3 ports and 0, or 6 and 1).
# Blocking until every slot is served.
fm_start_valkey_cluster() {
  local dir=$1 replicas=$2 port addresses=() cli i
  shift 2
  cli=$(_fm_valkey_cli)
  for port in "$@"; do
    fm_start_valkey "$dir/node-$port" "$port" --cluster-enabled yes --cluster-config-file nodes.conf
    addresses+=("127.0.0.1:$port")
  done
  "$cli" --cluster create "${addresses[@]}" --cluster-replicas "$replicas" --cluster-yes >"$dir/create.log" 2>&1 ||
    fm_die "could not form a cluster of ${addresses[*]}: see $dir/create.log"
  for ((i = 0; i < 100; i++)); do
    if "$cli" -h 127.0.0.1 -p "$1" cluster info 2>/dev/null | grep -q '^cluster_state:ok'; then break; fi
    sleep 0.1
  done
  ((i < 100)) || fm_die "the cluster of ${addresses[*]} is not cluster_state:ok after 10 s: see $dir/node-*/valkey.log"
  # Replicas learn their role by gossip and then sync: wait until every
  # replica's link to its master is up, so the first WAIT can be answered.
  for ((i = 0; i < 200; i++)); do
    local linked=0
    for port in "$@"; do
      if "$cli" -h 127.0.0.1 -p "$port" info replication 2>/dev/null | grep -q '^master_link_status:up'; then
        linked=$((linked + 1))
      fi
    done
    if ((linked == $# * replicas / (1 + replicas))); then return 0; fi
    sleep 0.1
  done
  fm_die "the replicas of ${addresses[*]} did not link to their masters within 20 s: see $dir/node-*/valkey.log"
}

# fm_stop_valkey_cluster <data-dir>: fm_stop_valkey for every node.
fm_stop_valkey_cluster() {
  local node
  for node in "$1"/node-*; do
    if [[ -d $node ]]; then fm_stop_valkey "$node"; fi
  done
}

# fm_stop_valkey <data-dir>: SHUTDOWN (the AOF is flushed), falling back to
# SIGTERM and then SIGKILL; does nothing when not running.
fm_stop_valkey() {
  local dir pid port i
  dir=$(realpath -m "$1")
  pid=$(cat "$dir/valkey.pid" 2>/dev/null) || return 0
  if ! kill -0 "$pid" 2>/dev/null; then
    rm -f "$dir/valkey.pid"
    return 0
  fi
  port=$(cat "$dir/valkey.port" 2>/dev/null) || port=""
  if [[ -n $port ]]; then "$(_fm_valkey_cli)" -h 127.0.0.1 -p "$port" shutdown >/dev/null 2>&1 || true; fi
  for ((i = 0; i < 100; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    if ((i == 50)); then kill -TERM "$pid" 2>/dev/null || true; fi
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$dir/valkey.pid"
}
