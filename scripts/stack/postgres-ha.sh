#!/usr/bin/env bash
# A local Postgres high-availability formation for tests: pg_auto_failover (a monitor, a primary and
# a synchronous secondary) behind HAProxy, which routes to whichever node is primary.
#
#   bash scripts/stack/postgres-ha.sh up        # create (first time) or start the formation and HAProxy
#   bash scripts/stack/postgres-ha.sh down      # stop what this script started (data kept)
#   bash scripts/stack/postgres-ha.sh down --purge   # ... and delete the state directory
#   bash scripts/stack/postgres-ha.sh status    # nodes, their states, replication and HAProxy
#   bash scripts/stack/postgres-ha.sh failover  # planned switchover (pg_autoctl perform failover)
#
# Everything lives under $PG_HA_DIR (default <repo>/.stack/pg-ha); ports are $PG_HA_MONITOR_PORT
# (6000), $PG_HA_NODE1_PORT (6001), $PG_HA_NODE2_PORT (6002) and HAProxy on $PG_HA_PROXY_PORT (6432).
# Trust authentication on 127.0.0.1 only: a test formation, never a deployment. See POSTGRES-HA.md.
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd -- "$SCRIPT_DIR/../.." && pwd)"

PG_HA_DIR="${PG_HA_DIR:-$REPO_ROOT/.stack/pg-ha}"
PG_HA_HOST=127.0.0.1
PG_HA_MONITOR_PORT="${PG_HA_MONITOR_PORT:-6000}"
PG_HA_NODE1_PORT="${PG_HA_NODE1_PORT:-6001}"
PG_HA_NODE2_PORT="${PG_HA_NODE2_PORT:-6002}"
PG_HA_PROXY_PORT="${PG_HA_PROXY_PORT:-6432}"
PG_HA_UP_TIMEOUT="${PG_HA_UP_TIMEOUT:-180}"
PG_HA_STOP_TIMEOUT="${PG_HA_STOP_TIMEOUT:-30}"
PG_HA_USER="${PG_HA_USER:-postgres}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PACKAGES=(postgresql-15-auto-failover pg-auto-failover-cli haproxy)

NODES=(node1 node2)
declare -A NODE_PORT=([node1]="$PG_HA_NODE1_PORT" [node2]="$PG_HA_NODE2_PORT")
MONITOR_URI="postgres://autoctl_node@$PG_HA_HOST:$PG_HA_MONITOR_PORT/pg_auto_failover?sslmode=disable"
HAPROXY_CFG="$PG_HA_DIR/haproxy.cfg"
HAPROXY_PID="$PG_HA_DIR/haproxy.pid"
CHECK_SCRIPT="$PG_HA_DIR/primary-check.sh"
# A node takes writes when out of recovery and not read-only: pg_auto_failover promotes a standby
# read-only (stop_replication) and lifts that only once the monitor has the old primary fenced.
WRITABLE_SQL="select not pg_is_in_recovery() and not current_setting('transaction_read_only')::bool"

say() { printf '[postgres-ha] %s\n' "$*"; }
die() {
  printf '[postgres-ha] ERROR: %s\n' "$*" >&2
  exit 1
}

# --- prerequisites -----------------------------------------------------------------------------

ensure_packages() {
  local missing=()
  command -v pg_autoctl >/dev/null 2>&1 || missing+=(pg-auto-failover-cli)
  [[ -f /usr/share/postgresql/15/extension/pgautofailover.control ]] || missing+=(postgresql-15-auto-failover)
  command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
  [[ -x "$PG_BIN/pg_ctl" ]] || missing+=(postgresql-15)
  ((${#missing[@]} == 0)) && return 0
  if [[ $EUID -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    die "missing Debian packages: ${missing[*]} (as root: apt-get install -y ${PACKAGES[*]})"
  fi
  say "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null ||
    { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; } ||
    die "could not install ${missing[*]}"
}

# pg_autoctl refuses to run as root: every pg_autoctl and psql call goes through the postgres user,
# with its configuration, state and pid files kept under the state directory (XDG_* below).
as_pg() {
  if [[ "$(id -un)" == "$PG_HA_USER" ]]; then
    env "${PG_ENV[@]}" "$@" 9>&-
  else
    runuser -u "$PG_HA_USER" -- env "${PG_ENV[@]}" "$@" 9>&-
  fi
}
PG_ENV=(
  "PATH=$PG_BIN:/usr/bin:/bin"
  "HOME=$PG_HA_DIR"
  "XDG_CONFIG_HOME=$PG_HA_DIR/config"
  "XDG_DATA_HOME=$PG_HA_DIR/share"
  "XDG_RUNTIME_DIR=$PG_HA_DIR/run"
  "PG_CONFIG=$PG_BIN/pg_config"
  "PGCONNECT_TIMEOUT=2"
)

prepare_dir() {
  if [[ $EUID -eq 0 ]]; then
    mkdir -p "$PG_HA_DIR"
    chown "$PG_HA_USER:" "$PG_HA_DIR"
  fi
  as_pg mkdir -p "$PG_HA_DIR/config" "$PG_HA_DIR/share" "$PG_HA_DIR/run" "$PG_HA_DIR/logs"
  as_pg chmod 700 "$PG_HA_DIR/run"
  # Created by postgres, so the keepers (postgres) and this script (root) can both append.
  as_pg touch "$PG_HA_DIR/logs/monitor.log" "$PG_HA_DIR/logs/node1.log" "$PG_HA_DIR/logs/node2.log"
}

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" >/dev/null 2>&1; }

sql() { # port, query: one tuples-only answer
  as_pg psql -X -q -h "$PG_HA_HOST" -p "$1" -U postgres -d "${3:-postgres}" -tAc "$2" 2>/dev/null
}

monitor_sql() { sql "$PG_HA_MONITOR_PORT" "$1" pg_auto_failover; }

# --- keepers (pg_autoctl run) ------------------------------------------------------------------

pgdata_of() { printf '%s/%s\n' "$PG_HA_DIR" "$1"; }
keeper_pid_file() { printf '%s/%s.keeper.pid\n' "$PG_HA_DIR" "$1"; }

# PID of the pg_autoctl supervisor this script started for that node, if it still runs.
keeper_pid() {
  local file pid
  file="$(keeper_pid_file "$1")"
  [[ -f "$file" ]] || return 1
  pid="$(tr -dc '0-9' <"$file" || true)"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "pg_autoctl.*$(pgdata_of "$1")" || return 1
  printf '%s\n' "$pid"
}

# Starts `pg_autoctl <args>` for that node in a session of its own (so kill -9 of the group takes
# the keeper and its Postgres together, as a lost machine would) and records its PID.
launch() { # name, pg_autoctl args...
  local name="$1"
  shift
  local log="$PG_HA_DIR/logs/$name.log" pid
  printf '\n===== %s pg_autoctl %s\n' "$(date -Is)" "$*" | as_pg tee -a "$log" >/dev/null
  # shellcheck disable=SC2016 # $@ and $LOG expand in the inner bash
  pid="$(as_pg env "LOG=$log" bash -c 'setsid "$@" >>"$LOG" 2>&1 </dev/null 9>&- & echo $!' _ pg_autoctl "$@" 9>&-)"
  printf '%s\n' "$pid" | as_pg tee "$(keeper_pid_file "$name")" >/dev/null
}

# pg_autoctl create (first time) in the foreground, then its supervisor in the background.
start_monitor() {
  local pgdata
  pgdata="$(pgdata_of monitor)"
  if keeper_pid monitor >/dev/null; then return 0; fi
  if [[ ! -f "$pgdata/PG_VERSION" ]]; then
    say "creating the monitor on port $PG_HA_MONITOR_PORT"
    as_pg pg_autoctl create monitor --pgdata "$pgdata" --pgport "$PG_HA_MONITOR_PORT" \
      --hostname "$PG_HA_HOST" --pgctl "$PG_BIN/pg_ctl" --auth trust --no-ssl \
      >>"$PG_HA_DIR/logs/monitor.log" 2>&1 || die "pg_autoctl create monitor failed: see $PG_HA_DIR/logs/monitor.log"
  fi
  # pg_autoctl creates the monitor listening on '*'; this formation stays on loopback.
  as_pg pg_autoctl config set --pgdata "$pgdata" postgresql.listen_addresses "$PG_HA_HOST" >/dev/null
  launch monitor run --pgdata "$pgdata"
  wait_for "monitor answers on $PG_HA_MONITOR_PORT" 60 monitor_ready
  # Fail over within seconds, not the defaults' half minute: the tests wait on it.
  local setting
  for setting in health_check_period=1000 health_check_timeout=1000 health_check_max_retries=1 \
    health_check_retry_delay=500 node_considered_unhealthy_timeout=3000 primary_demote_timeout=3000; do
    # ALTER SYSTEM refuses a transaction block, so one statement per call.
    monitor_sql "ALTER SYSTEM SET pgautofailover.${setting%%=*} = ${setting#*=}" >/dev/null ||
      die "could not set pgautofailover.$setting on the monitor"
  done
  monitor_sql 'SELECT pg_reload_conf()' >/dev/null
}

monitor_ready() { [[ "$(monitor_sql 'select 1')" == 1 ]]; }

start_node() {
  local name="$1" pgdata
  pgdata="$(pgdata_of "$name")"
  if keeper_pid "$name" >/dev/null; then return 0; fi
  if [[ ! -f "$pgdata/PG_VERSION" || ! -f "$PG_HA_DIR/$name.created" ]]; then
    say "creating $name on port ${NODE_PORT[$name]}"
    as_pg pg_autoctl create postgres --pgdata "$pgdata" --pgport "${NODE_PORT[$name]}" \
      --pghost "$PG_HA_HOST" --hostname "$PG_HA_HOST" --listen "$PG_HA_HOST" --name "$name" \
      --pgctl "$PG_BIN/pg_ctl" --monitor "$MONITOR_URI" --auth trust --no-ssl \
      --replication-quorum true --candidate-priority 50 \
      >>"$PG_HA_DIR/logs/$name.log" 2>&1 || die "pg_autoctl create postgres ($name) failed: see $PG_HA_DIR/logs/$name.log"
    as_pg touch "$PG_HA_DIR/$name.created"
  fi
  launch "$name" run --pgdata "$pgdata"
}

# --- HAProxy -----------------------------------------------------------------------------------

write_haproxy_config() {
  # HAProxy runs this for each server every second; exit 0 only on a node that takes writes.
  cat >"$CHECK_SCRIPT" <<EOF
#!/bin/sh
# \$3 server address, \$4 server port (HAProxy external-check arguments).
WRITABLE="$WRITABLE_SQL"
answer=\$(PGCONNECT_TIMEOUT=1 timeout 2 $PG_BIN/psql -X -h "\$3" -p "\$4" -U postgres -d postgres -tAc "\$WRITABLE" 2>/dev/null)
[ "\$answer" = t ]
EOF
  chmod 755 "$CHECK_SCRIPT"
  cat >"$HAPROXY_CFG.new" <<EOF
# Generated by scripts/stack/postgres-ha.sh: routes $PG_HA_HOST:$PG_HA_PROXY_PORT to the node that is primary.
global
    pidfile $HAPROXY_PID
    # external-check forks psql: HAProxy 2.2+ refuses to fork without this.
    insecure-fork-wanted
    external-check
    # A reload's old process gives its open sessions this long, then goes.
    hard-stop-after 5s
    log stderr format short local0 warning

defaults
    mode tcp
    log global
    timeout connect 2s
    timeout client 1h
    timeout server 1h
    timeout check 2s

listen postgres_primary
    bind $PG_HA_HOST:$PG_HA_PROXY_PORT
    option external-check
    external-check path "/usr/bin:/bin"
    external-check command $CHECK_SCRIPT
    # Every second; one failed check takes a node out and cuts its sessions, so clients reconnect to the new primary.
    default-server inter 1s fall 1 rise 1 on-marked-down shutdown-sessions
    server node1 $PG_HA_HOST:$PG_HA_NODE1_PORT check
    server node2 $PG_HA_HOST:$PG_HA_NODE2_PORT check
EOF
  if cmp -s "$HAPROXY_CFG.new" "$HAPROXY_CFG"; then
    rm -f "$HAPROXY_CFG.new"
    return 1
  fi
  mv "$HAPROXY_CFG.new" "$HAPROXY_CFG"
}

# Every HAProxy process running our configuration file (a reload leaves the old one a moment).
haproxy_pids() {
  local dir
  for dir in /proc/[0-9]*; do
    # Braces: a process gone since the glob makes the redirection itself fail, quietly.
    { tr '\0' ' ' <"$dir/cmdline"; } 2>/dev/null | grep -q "^haproxy .*-f $HAPROXY_CFG " && printf '%s\n' "${dir#/proc/}"
  done
  return 0
}

haproxy_pid() {
  [[ -f "$HAPROXY_PID" ]] || return 1
  local pid
  pid="$(head -n1 "$HAPROXY_PID" | tr -dc '0-9')"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "haproxy.*$HAPROXY_CFG" || return 1
  printf '%s\n' "$pid"
}

start_haproxy() {
  local changed=true pid
  write_haproxy_config || changed=false
  haproxy -c -q -f "$HAPROXY_CFG" || die "HAProxy rejected $HAPROXY_CFG"
  if pid="$(haproxy_pid)"; then
    [[ "$changed" == true ]] || return 0
    say "reloading HAProxy"
    # Reload in place (-sf) so a changed configuration takes effect; sessions on the old process finish.
    haproxy -D -f "$HAPROXY_CFG" -p "$HAPROXY_PID" -sf "$pid" >>"$PG_HA_DIR/logs/haproxy.log" 2>&1 9>&-
  else
    say "starting HAProxy on $PG_HA_HOST:$PG_HA_PROXY_PORT"
    haproxy -D -f "$HAPROXY_CFG" -p "$HAPROXY_PID" >>"$PG_HA_DIR/logs/haproxy.log" 2>&1 9>&- ||
      die "HAProxy did not start: see $PG_HA_DIR/logs/haproxy.log"
  fi
  # A new HAProxy holds every server up until its first check: let two check rounds pass.
  sleep 2.5
}

# --- states ------------------------------------------------------------------------------------

# "name state" per node, as the monitor reports them.
node_states() {
  monitor_sql "select nodename || ' ' || reportedstate || ' ' || goalstate from pgautofailover.node order by nodename"
}

# One node primary, the other secondary (as the monitor sees them), and the primary streaming to a
# synchronous standby right now (the monitor's table survives a restart, so ask Postgres too).
formation_healthy() {
  local states primary
  states="$(node_states)" || return 1
  grep -q '^node[12] primary primary$' <<<"$states" && grep -q '^node[12] secondary secondary$' <<<"$states" || return 1
  primary="$(primary_name)"
  [[ -n "$primary" ]] || return 1
  (($(sql "${NODE_PORT[$primary]}" "select count(*) from pg_stat_replication where state = 'streaming' and sync_state in ('sync', 'quorum')" || echo 0) >= 1))
}

proxy_reaches_primary() {
  [[ "$(sql "$PG_HA_PROXY_PORT" "$WRITABLE_SQL")" == t ]]
}

# HAProxy (roundrobin) sends four connections in a row to nodes that take writes: with a standby
# still in rotation, one of them would land on it.
proxy_routes_only_primary() {
  for _ in 1 2 3 4; do proxy_reaches_primary || return 1; done
}

wait_for() { # what, seconds, command...
  local what="$1" seconds="$2" waited=0
  shift 2
  until "$@"; do
    ((waited >= seconds * 2)) && die "timed out after ${seconds}s waiting for: $what (logs in $PG_HA_DIR/logs)"
    sleep 0.5
    waited=$((waited + 1))
  done
}

# --- commands ----------------------------------------------------------------------------------

cmd_up() {
  local started=$SECONDS
  ensure_packages
  [[ $EUID -eq 0 || "$(id -un)" == "$PG_HA_USER" ]] || die "run as root (it switches to $PG_HA_USER) or as $PG_HA_USER"
  [[ $EUID -eq 0 ]] || command -v haproxy >/dev/null || die "haproxy missing"
  prepare_dir
  start_monitor
  start_node node1
  # The first node must be registered (single) before the second registers as its standby; on a
  # later 'up' (a killed node restarted) node1 may rightly be the secondary.
  [[ -f "$PG_HA_DIR/node2.created" ]] || wait_for "node1 registered" 90 node_registered node1
  start_node node2
  wait_for "a primary and a synchronous secondary" "$PG_HA_UP_TIMEOUT" formation_healthy
  start_haproxy
  wait_for "HAProxy routes $PG_HA_PROXY_PORT to the primary only" 30 proxy_routes_only_primary
  say "up in $((SECONDS - started)) s: postgres://postgres@$PG_HA_HOST:$PG_HA_PROXY_PORT/postgres (primary: $(primary_name))"
}

node_registered() { node_states | grep -Eq "^$1 (single|primary|wait_primary) "; }

primary_name() { node_states | awk '$2 == "primary" || $2 == "wait_primary" || $2 == "single" { print $1 }' | head -n1; }

cmd_down() {
  local purge="${1:-}" pid name
  for pid in $(haproxy_pids); do
    say "stopping HAProxy (pid $pid)"
    kill "$pid" 2>/dev/null || true
  done
  rm -f "$HAPROXY_PID"
  for name in node2 node1 monitor; do
    stop_member "$name"
  done
  if [[ "$purge" == --purge ]]; then
    [[ -d "$PG_HA_DIR" ]] && say "removing $PG_HA_DIR"
    rm -rf -- "$PG_HA_DIR" "$PG_HA_DIR.lock"
  fi
}

# pg_autoctl stop (a fast shutdown of keeper and Postgres); SIGKILL of its session if it lingers,
# and pg_ctl stop for a Postgres left over by a keeper that was killed.
stop_member() {
  local name="$1" pgdata pid waited=0
  pgdata="$(pgdata_of "$name")"
  if pid="$(keeper_pid "$name")"; then
    say "stopping $name (keeper pid $pid)"
    as_pg pg_autoctl stop --pgdata "$pgdata" >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && ((waited < PG_HA_STOP_TIMEOUT * 2)); do
      sleep 0.5
      waited=$((waited + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then kill -9 -- "-$pid" 2>/dev/null || true; fi
  fi
  if [[ -f "$pgdata/postmaster.pid" ]]; then
    pid="$(head -n1 "$pgdata/postmaster.pid" | tr -dc '0-9')"
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
      as_pg pg_ctl stop -D "$pgdata" -m fast -w -t "$PG_HA_STOP_TIMEOUT" >/dev/null 2>&1 || kill -9 "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$(keeper_pid_file "$name")"
}

cmd_status() {
  local name pid rc=0
  for name in monitor "${NODES[@]}"; do
    if pid="$(keeper_pid "$name")"; then say "$name: keeper running (pid $pid)"; else
      say "$name: keeper not running"
      rc=1
    fi
  done
  if monitor_ready; then
    say "nodes (name reported-state goal-state):"
    node_states | sed 's/^/    /'
    local primary
    primary="$(primary_name)"
    if [[ -n "$primary" ]]; then
      say "synchronous_standby_names on $primary: $(sql "${NODE_PORT[$primary]}" 'show synchronous_standby_names')"
      say "replication from $primary: $(sql "${NODE_PORT[$primary]}" "select coalesce(string_agg(application_name || '=' || sync_state, ', '), 'none') from pg_stat_replication")"
    fi
  else
    say "monitor: not answering on $PG_HA_MONITOR_PORT"
    rc=1
  fi
  if pid="$(haproxy_pid)"; then
    if proxy_reaches_primary; then say "HAProxy (pid $pid) on $PG_HA_PROXY_PORT routes to a primary"; else
      say "HAProxy (pid $pid) on $PG_HA_PROXY_PORT reaches no primary"
      rc=1
    fi
  else
    say "HAProxy not running"
    rc=1
  fi
  return "$rc"
}

cmd_failover() {
  monitor_ready || die "the monitor does not answer: run up first"
  local before
  before="$(primary_name)"
  say "planned failover away from $before"
  as_pg pg_autoctl perform failover --pgdata "$(pgdata_of monitor)" --wait 120 >>"$PG_HA_DIR/logs/monitor.log" 2>&1 ||
    die "pg_autoctl perform failover failed: see $PG_HA_DIR/logs/monitor.log"
  wait_for "a primary and a synchronous secondary" "$PG_HA_UP_TIMEOUT" formation_healthy
  wait_for "HAProxy routes to the new primary" 30 proxy_reaches_primary
  say "primary is now $(primary_name)"
}

# One up/down/failover at a time per state directory (tests and a shell may race).
lock() {
  mkdir -p "$(dirname -- "$PG_HA_DIR")"
  # Started keepers and HAProxy get 9>&- so that the lock ends with this script.
  exec 9>"$PG_HA_DIR.lock"
  flock -w 300 9 || die "another postgres-ha.sh holds $PG_HA_DIR.lock"
}

case "${1:-}" in
  up | down | failover) lock ;;
esac

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down "${2:-}" ;;
  status) cmd_status ;;
  failover) cmd_failover ;;
  *)
    echo "usage: $0 up|down [--purge]|status|failover" >&2
    exit 2
    ;;
esac
