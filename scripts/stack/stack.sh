#!/usr/bin/env bash
# Local Apache Kafka (KRaft, combined broker+controller nodes) without Docker.
#
#   bash scripts/stack/stack.sh up      # start (or reuse) a broker on 127.0.0.1:${KAFKA_PORT:-9092}
#                                       # (controller on ${KAFKA_CONTROLLER_PORT:-KAFKA_PORT+1})
#   bash scripts/stack/stack.sh up --secure     # also SASL_SSL (SCRAM) and SSL (mutual TLS)
#                                               # listeners, on KAFKA_PORT+100 and KAFKA_PORT+101
#   bash scripts/stack/stack.sh up --brokers 3  # three nodes on KAFKA_PORT, +2, +4 (controllers +1)
#   bash scripts/stack/stack.sh up --postgres-ha  # also the Postgres HA formation (postgres-ha.sh up)
#   bash scripts/stack/stack.sh down    # stop the brokers this script started (and the HA formation)
#   bash scripts/stack/stack.sh status  # tell whether they run / answer
#
# Jars come from Maven Central via scripts/stack/pom.xml (cached in $STACK_DIR/kafka-<v>/libs),
# data lives in $STACK_DIR/data, the broker log in $STACK_DIR/kafka.log. See README.md here.
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd -- "$SCRIPT_DIR/../.." && pwd)"

KAFKA_VERSION="${KAFKA_VERSION:-4.4.0}"
KAFKA_HOST=127.0.0.1
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
KAFKA_AUTO_CREATE_TOPICS="${KAFKA_AUTO_CREATE_TOPICS:-false}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g}"
KAFKA_UP_TIMEOUT="${KAFKA_UP_TIMEOUT:-90}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-20}"

STACK_DIR="${STACK_DIR:-$REPO_ROOT/.stack}"
KAFKA_HOME="$STACK_DIR/kafka-$KAFKA_VERSION"
# KAFKA_LIBS_DIR: reuse jars fetched by another stack (e.g. a test's private STACK_DIR).
LIBS_DIR="${KAFKA_LIBS_DIR:-$KAFKA_HOME/libs}"
CONF_DIR="$KAFKA_HOME/config"
SERVER_PROPS="$CONF_DIR/server.properties"
LOG4J_CONF="$CONF_DIR/log4j2.properties"
DATA_DIR="$STACK_DIR/data"
LOG_DIRS="$DATA_DIR/kraft-combined-logs"
LOG_FILE="$STACK_DIR/kafka.log"
PID_FILE="$STACK_DIR/kafka.pid"
MODE_FILE="$STACK_DIR/stack.mode"
TLS_DIR="$STACK_DIR/tls"
SECURE_ENV="$STACK_DIR/secure.env"
# The Postgres HA formation that --postgres-ha starts, and that 'down' stops when it exists.
PG_HA_DIR="${PG_HA_DIR:-$STACK_DIR/pg-ha}"

# Mode: number of nodes and the secure listeners. Flags beat the environment; down/status without
# flags read what the last 'up' recorded in $MODE_FILE.
NODE_COUNT="${KAFKA_BROKER_COUNT:-}"
SECURE="${KAFKA_SECURE:-}"
POSTGRES_HA=0
say() { printf '[stack] %s\n' "$*"; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

parse_flags() {
  while (($#)); do
    case "$1" in
      --secure) SECURE=1 ;;
      --brokers)
        [[ $# -ge 2 ]] || die "--brokers needs a number"
        NODE_COUNT="$2"
        shift
        ;;
      --brokers=*) NODE_COUNT="${1#--brokers=}" ;;
      --postgres-ha) POSTGRES_HA=1 ;;
      *) die "unknown option '$1' (expected --secure, --brokers N or --postgres-ha)" ;;
    esac
    shift
  done
}

# Fills NODE_COUNT and SECURE from $MODE_FILE when neither a flag nor the environment set them.
resolve_mode() {
  local recorded_nodes="" recorded_secure=""
  if [[ -f "$MODE_FILE" ]]; then
    recorded_nodes="$(sed -n 's/^nodes=//p' "$MODE_FILE")"
    recorded_secure="$(sed -n 's/^secure=//p' "$MODE_FILE")"
  fi
  if [[ "$1" == use-recorded ]]; then
    NODE_COUNT="${NODE_COUNT:-${recorded_nodes:-1}}"
    SECURE="${SECURE:-${recorded_secure:-0}}"
  else
    NODE_COUNT="${NODE_COUNT:-1}"
    SECURE="${SECURE:-0}"
  fi
  [[ "$NODE_COUNT" =~ ^[1-9]$ ]] || die "--brokers must be a number from 1 to 9, got '$NODE_COUNT'"
  [[ "$SECURE" == 1 || "$SECURE" == true ]] && SECURE=1 || SECURE=0
}

# Sets the NODE_* names for node $1. One node keeps the historic single-broker layout.
select_node() {
  NODE="$1"
  NODE_SASL_SSL_PORT=$((${KAFKA_SASL_SSL_PORT:-$((KAFKA_PORT + 100))} + 2 * (NODE - 1)))
  NODE_SSL_PORT=$((${KAFKA_SSL_PORT:-$((KAFKA_PORT + 101))} + 2 * (NODE - 1)))
  if ((NODE_COUNT == 1)); then
    NODE_PORT="$KAFKA_PORT"
    NODE_CONTROLLER_PORT="$KAFKA_CONTROLLER_PORT"
    NODE_PROPS="$SERVER_PROPS"
    NODE_LOG_DIRS="$LOG_DIRS"
    NODE_LOG_FILE="$LOG_FILE"
    NODE_PID_FILE="$PID_FILE"
  else
    NODE_PORT=$((KAFKA_PORT + 2 * (NODE - 1)))
    NODE_CONTROLLER_PORT=$((NODE_PORT + 1))
    NODE_PROPS="$CONF_DIR/server-$NODE.properties"
    NODE_LOG_DIRS="$DATA_DIR/node-$NODE"
    NODE_LOG_FILE="$STACK_DIR/kafka-$NODE.log"
    NODE_PID_FILE="$STACK_DIR/kafka-$NODE.pid"
  fi
  NODE_BOOTSTRAP="$KAFKA_HOST:$NODE_PORT"
}

all_bootstrap() {
  local i list=""
  for ((i = 1; i <= NODE_COUNT; i++)); do
    select_node "$i"
    list="${list:+$list,}$NODE_BOOTSTRAP"
  done
  printf '%s\n' "$list"
}

quorum_voters() {
  local i list=""
  for ((i = 1; i <= NODE_COUNT; i++)); do
    select_node "$i"
    list="${list:+$list,}$i@$KAFKA_HOST:$NODE_CONTROLLER_PORT"
  done
  printf '%s\n' "$list"
}

# --- probes -----------------------------------------------------------------------------------

# TCP connect to host:port within 2 s.
port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" >/dev/null 2>&1
}

have_node_probe() {
  command -v node >/dev/null 2>&1 && [[ -d "$REPO_ROOT/node_modules/kafkajs" ]]
}

# A real Kafka metadata round trip (kafkajs admin listTopics) on the selected node's PLAINTEXT
# listener. Without node/kafkajs, fall back to the TCP port plus the broker's "started" log line.
broker_answers() {
  port_open "$KAFKA_HOST" "$NODE_PORT" || return 1
  if have_node_probe; then
    node "$SCRIPT_DIR/probe.mjs" "$NODE_BOOTSTRAP" 4000 >/dev/null 2>&1
  else
    [[ -f "$NODE_LOG_FILE" ]] && grep -q 'Kafka Server started' "$NODE_LOG_FILE"
  fi
}

secure_ports_open() {
  ((SECURE == 1)) || return 0
  port_open "$KAFKA_HOST" "$NODE_SASL_SSL_PORT" && port_open "$KAFKA_HOST" "$NODE_SSL_PORT"
}

# PID from the selected node's pid file if that process is alive and really is a kafka.Kafka JVM.
running_pid() {
  [[ -f "$NODE_PID_FILE" ]] || return 1
  local pid
  pid="$(tr -dc '0-9' <"$NODE_PID_FILE" || true)"
  [[ -n "$pid" ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -r "/proc/$pid/cmdline" ]]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'kafka\.Kafka' || return 1
  fi
  printf '%s\n' "$pid"
}

# Create the internal offsets/transaction topics now rather than in the first test. Best effort.
warm_up() {
  have_node_probe || return 0
  if node "$SCRIPT_DIR/probe.mjs" "$(all_bootstrap)" 5000 --warm >/dev/null 2>&1; then
    say "consumer-group and transaction coordinators ready"
  else
    say "warning: coordinator warm-up did not finish (first group/transaction may be slower)"
  fi
}

log_tail() {
  if [[ -f "$NODE_LOG_FILE" ]]; then
    printf '[stack] ---- last 40 lines of %s ----\n' "$NODE_LOG_FILE" >&2
    tail -n 40 "$NODE_LOG_FILE" >&2 || true
    printf '[stack] ------------------------------------------------\n' >&2
  fi
}

# --- setup ------------------------------------------------------------------------------------

fetch_jars() {
  if [[ -f "$LIBS_DIR/.complete" ]]; then
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found (needed once to fetch Kafka $KAFKA_VERSION jars)"
  say "fetching Kafka $KAFKA_VERSION jars from Maven Central into $LIBS_DIR ..."
  local tmp="$LIBS_DIR.tmp.$$" mvn_log
  rm -rf "$tmp"
  mkdir -p "$tmp"
  mvn_log="$(mktemp)"
  local mvn_args=(-q -B -Dstyle.color=never -f "$SCRIPT_DIR/pom.xml" -Dkafka.version="$KAFKA_VERSION"
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp")
  # Offline first (fast, no network when ~/.m2 is warm), then online.
  if ! mvn -o "${mvn_args[@]}" >"$mvn_log" 2>&1; then
    if ! mvn "${mvn_args[@]}" >"$mvn_log" 2>&1; then
      cat "$mvn_log" >&2
      rm -rf "$tmp" "$mvn_log"
      die "maven could not fetch org.apache.kafka:kafka_2.13:$KAFKA_VERSION"
    fi
  fi
  rm -f "$mvn_log"
  compgen -G "$tmp/kafka_2.13-*.jar" >/dev/null || { rm -rf "$tmp"; die "kafka_2.13 jar missing after fetch"; }
  rm -rf "$LIBS_DIR"
  mv "$tmp" "$LIBS_DIR"
  touch "$LIBS_DIR/.complete"
  say "fetched $(find "$LIBS_DIR" -name '*.jar' | wc -l) jars"
}

random_secret() {
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'
}

# A private CA, a broker certificate (SAN 127.0.0.1, localhost) in PKCS12 keystores for the broker,
# and a client certificate for mutual TLS, all PEM for clients. Made once per STACK_DIR.
make_tls() {
  [[ -f "$TLS_DIR/.complete" ]] && return 0
  command -v openssl >/dev/null 2>&1 || die "openssl not found (needed for --secure)"
  command -v keytool >/dev/null 2>&1 || die "keytool not found (comes with the JDK; needed for --secure)"
  say "making a CA, broker and client certificates in $TLS_DIR"
  rm -rf "$TLS_DIR"
  mkdir -p "$TLS_DIR"
  chmod 700 "$TLS_DIR"
  local d="$TLS_DIR" pw
  pw="$(random_secret)"
  printf '%s\n' "$pw" >"$d/store.password"
  {
    openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=ledger local stack CA" \
      -keyout "$d/ca.key" -out "$d/ca.pem" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$d/broker.key" -out "$d/broker.csr"
    printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=serverAuth,clientAuth" "subjectAltName=IP:127.0.0.1,DNS:localhost" >"$d/broker.ext"
    openssl x509 -req -in "$d/broker.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 825 \
      -extfile "$d/broker.ext" -out "$d/broker.pem"
    openssl req -newkey rsa:2048 -nodes -subj "/CN=ledger-client" -keyout "$d/client.key" -out "$d/client.csr"
    printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=clientAuth" >"$d/client.ext"
    openssl x509 -req -in "$d/client.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 825 \
      -extfile "$d/client.ext" -out "$d/client.pem"
    openssl pkcs12 -export -name broker -in "$d/broker.pem" -inkey "$d/broker.key" -certfile "$d/ca.pem" \
      -out "$d/broker.keystore.p12" -passout "pass:$pw"
    keytool -importcert -noprompt -alias ca -file "$d/ca.pem" -storetype PKCS12 \
      -keystore "$d/truststore.p12" -storepass "$pw"
  } >"$d/make.log" 2>&1 || { cat "$d/make.log" >&2; die "could not make the certificates (see above)"; }
  rm -f "$d"/*.csr "$d"/*.ext "$d/make.log"
  chmod 600 "$d"/*.key "$d/store.password"
  touch "$d/.complete"
}

# Two SCRAM users with generated passwords, kept in $SECURE_ENV (with everything a client needs).
make_users() {
  if [[ ! -f "$SECURE_ENV" ]]; then
    local first second
    first="$(random_secret)"
    second="$(random_secret)"
    umask 077
    cat >"$SECURE_ENV" <<ENV
# Generated by scripts/stack/stack.sh up --secure. SCRAM users exist with SCRAM-SHA-512 and -256.
KAFKA_SASL_USERNAME=ledger
KAFKA_SASL_PASSWORD=$first
KAFKA_SASL_USERNAME_2=ledger-ops
KAFKA_SASL_PASSWORD_2=$second
ENV
    umask 022
  fi
  # shellcheck disable=SC1090
  source <(grep -E '^KAFKA_SASL_(USERNAME|PASSWORD)(_2)?=' "$SECURE_ENV")
  local sasl="" plain_ssl="" i
  for ((i = 1; i <= NODE_COUNT; i++)); do
    select_node "$i"
    sasl="${sasl:+$sasl,}$KAFKA_HOST:$NODE_SASL_SSL_PORT"
    plain_ssl="${plain_ssl:+$plain_ssl,}$KAFKA_HOST:$NODE_SSL_PORT"
  done
  # The listener addresses follow the ports of this 'up'; the passwords stay.
  local keep
  keep="$(grep -E '^#|^KAFKA_SASL_(USERNAME|PASSWORD)(_2)?=' "$SECURE_ENV")"
  {
    printf '%s\n' "$keep"
    printf '%s\n' "KAFKA_SASL_SSL_BROKERS=$sasl" "KAFKA_SSL_BROKERS=$plain_ssl" \
      "KAFKA_SSL_CA_FILE=$TLS_DIR/ca.pem" "KAFKA_SSL_CERT_FILE=$TLS_DIR/client.pem" \
      "KAFKA_SSL_KEY_FILE=$TLS_DIR/client.key"
  } >"$SECURE_ENV.tmp"
  mv -f "$SECURE_ENV.tmp" "$SECURE_ENV"
  chmod 600 "$SECURE_ENV"
}

write_config() {
  mkdir -p "$CONF_DIR" "$DATA_DIR"
  local listeners advertised protocol_map replication min_isr secure_block=""
  listeners="PLAINTEXT://$KAFKA_HOST:$NODE_PORT,CONTROLLER://$KAFKA_HOST:$NODE_CONTROLLER_PORT"
  advertised="PLAINTEXT://$KAFKA_HOST:$NODE_PORT"
  protocol_map="CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
  if ((SECURE == 1)); then
    listeners="$listeners,SASL_SSL://$KAFKA_HOST:$NODE_SASL_SSL_PORT,SSL://$KAFKA_HOST:$NODE_SSL_PORT"
    advertised="$advertised,SASL_SSL://$KAFKA_HOST:$NODE_SASL_SSL_PORT,SSL://$KAFKA_HOST:$NODE_SSL_PORT"
    protocol_map="$protocol_map,SASL_SSL:SASL_SSL,SSL:SSL"
    local pw
    pw="$(cat "$TLS_DIR/store.password")"
    secure_block="
# --secure: SASL_SSL with SCRAM users (made at format time) and SSL that requires a client certificate.
ssl.keystore.type=PKCS12
ssl.keystore.location=$TLS_DIR/broker.keystore.p12
ssl.keystore.password=$pw
ssl.key.password=$pw
ssl.truststore.type=PKCS12
ssl.truststore.location=$TLS_DIR/truststore.p12
ssl.truststore.password=$pw
listener.name.ssl.ssl.client.auth=required
sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;"
  fi
  # Three nodes or more: what a production cluster would use (acks=all survives one loss).
  if ((NODE_COUNT >= 3)); then
    replication=3
    min_isr=2
  else
    replication="$NODE_COUNT"
    min_isr=1
  fi
  cat >"$NODE_PROPS" <<EOP
# Generated by scripts/stack/stack.sh on every 'up'; edit the script, not this file.
# KRaft node $NODE of $NODE_COUNT: one JVM is both broker and controller.
process.roles=broker,controller
node.id=$NODE
controller.quorum.voters=$(quorum_voters)
controller.listener.names=CONTROLLER
listeners=$listeners
advertised.listeners=$advertised
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=$protocol_map

log.dirs=$NODE_LOG_DIRS
num.partitions=6
default.replication.factor=$replication
min.insync.replicas=$min_isr
# Topics must be created explicitly (admin.createTopics); set KAFKA_AUTO_CREATE_TOPICS=true to change.
auto.create.topics.enable=$KAFKA_AUTO_CREATE_TOPICS
delete.topic.enable=true

# Internal topics.
offsets.topic.replication.factor=$replication
offsets.topic.num.partitions=12
transaction.state.log.replication.factor=$replication
transaction.state.log.min.isr=$min_isr
transaction.state.log.num.partitions=12
share.coordinator.state.topic.replication.factor=$replication
share.coordinator.state.topic.min.isr=$min_isr

# Fast local consumer groups.
group.initial.rebalance.delay.ms=0

num.network.threads=3
num.io.threads=4
log.retention.hours=168
log.segment.bytes=268435456
$secure_block
EOP

  cat >"$LOG4J_CONF" <<'EOF4'
# Log4j 2 config for the local broker: everything goes to stdout, which stack.sh sends to kafka.log.
status = warn
name = kafka-stack
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = STDOUT
logger.state.name = state.change.logger
logger.state.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.authorizer.name = kafka.authorizer.logger
logger.authorizer.level = WARN
logger.zk.name = org.apache.kafka.metadata.migration
logger.zk.level = WARN
EOF4
}

java_base() {
  command -v java >/dev/null 2>&1 || die "java not found (Kafka $KAFKA_VERSION needs Java 17+)"
  # shellcheck disable=SC2206
  JAVA_CMD=(java $KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true
    -Dlog4j2.configurationFile="$LOG4J_CONF" -Dkafka.logs.dir="$STACK_DIR"
    -cp "$LIBS_DIR/*")
}

# The cluster id of a node already formatted, else a new one: every node of a cluster shares it.
cluster_id() {
  local i id=""
  for ((i = 1; i <= NODE_COUNT; i++)); do
    select_node "$i"
    if [[ -f "$NODE_LOG_DIRS/meta.properties" ]]; then
      id="$(sed -n 's/^cluster.id=//p' "$NODE_LOG_DIRS/meta.properties")"
      [[ -n "$id" ]] && break
    fi
  done
  # A KRaft cluster id is 16 random bytes, URL-safe base64 without padding. Re-roll ids that
  # start with '-' (the CLI parser would take them for an option).
  if [[ -z "$id" ]]; then
    id="-"
    while [[ "$id" == -* ]]; do
      id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    done
  fi
  printf '%s\n' "$id"
}

# Formats the selected node once. SCRAM users can only be added here (the jars carry no
# kafka-configs), so --secure on storage formatted without them asks for a wipe.
format_storage() {
  local id="$1"
  if [[ -f "$NODE_LOG_DIRS/meta.properties" ]]; then
    if ((SECURE == 1)) && [[ ! -f "$NODE_LOG_DIRS/.scram-users" ]]; then
      die "$NODE_LOG_DIRS was formatted without the SCRAM users; stop the stack and remove $DATA_DIR (or use another STACK_DIR) to start it with --secure"
    fi
    return 0
  fi
  say "formatting KRaft storage in $NODE_LOG_DIRS (cluster id $id)"
  mkdir -p "$NODE_LOG_DIRS"
  java_base
  local out scram=()
  if ((SECURE == 1)); then
    local user mech
    for user in "$KAFKA_SASL_USERNAME:$KAFKA_SASL_PASSWORD" "$KAFKA_SASL_USERNAME_2:$KAFKA_SASL_PASSWORD_2"; do
      for mech in SCRAM-SHA-512 SCRAM-SHA-256; do
        scram+=(--add-scram "$mech=[name=${user%%:*},password=${user#*:}]")
      done
    done
  fi
  if ! out="$("${JAVA_CMD[@]}" kafka.tools.StorageTool format -t "$id" -c "$NODE_PROPS" "${scram[@]}" 2>&1)"; then
    printf '%s\n' "$out" >&2
    die "kafka-storage format failed"
  fi
  ((SECURE == 1)) && printf '%s\n' "$KAFKA_SASL_USERNAME" "$KAFKA_SASL_USERNAME_2" >"$NODE_LOG_DIRS/.scram-users"
  return 0
}

start_broker() {
  java_base
  [[ -f "$NODE_LOG_FILE" ]] && mv -f "$NODE_LOG_FILE" "$NODE_LOG_FILE.1"
  say "starting Kafka $KAFKA_VERSION node $NODE on $NODE_BOOTSTRAP (controller :$NODE_CONTROLLER_PORT), log: $NODE_LOG_FILE"
  # setsid + nohup: detached from this shell/terminal; the inner bash writes its own PID and then
  # execs java, so the PID file names the JVM itself. 9>&- keeps the JVM off our lock file.
  # shellcheck disable=SC2016
  nohup setsid bash -c 'echo $$ >"$0"; exec "$@"' "$NODE_PID_FILE" \
    "${JAVA_CMD[@]}" kafka.Kafka "$NODE_PROPS" >"$NODE_LOG_FILE" 2>&1 </dev/null 9>&- &
  disown || true
  # Wait for the PID file to be written.
  local i
  for i in $(seq 1 50); do
    [[ -s "$NODE_PID_FILE" ]] && break
    sleep 0.1
  done
}

# Waits for the selected node to answer on PLAINTEXT (and to open its secure ports).
wait_node_ready() {
  local start=$SECONDS pid next_note=10
  while true; do
    if broker_answers && secure_ports_open; then
      say "Kafka node $NODE is up on $NODE_BOOTSTRAP after $((SECONDS - start)) s (pid $(running_pid || echo '?'))"
      ((SECURE == 1)) && say "  SASL_SSL (SCRAM) on $KAFKA_HOST:$NODE_SASL_SSL_PORT, SSL (client certificate) on $KAFKA_HOST:$NODE_SSL_PORT"
      return 0
    fi
    if ! pid="$(running_pid)"; then
      say "broker process of node $NODE exited during startup" >&2
      log_tail
      exit 1
    fi
    if ((SECONDS - start >= KAFKA_UP_TIMEOUT)); then
      say "broker node $NODE (pid $pid) did not answer within ${KAFKA_UP_TIMEOUT} s" >&2
      log_tail
      exit 1
    fi
    if ((SECONDS - start >= next_note)); then
      say "still waiting for node $NODE ($((SECONDS - start)) s) ..."
      next_note=$((next_note + 10))
    fi
    sleep 0.5
  done
}

# --- commands ---------------------------------------------------------------------------------

# Serialise up/down across concurrent callers (e.g. several test processes calling ensureKafka):
# the second 'up' waits for the first and then finds the broker answering.
take_lock() {
  mkdir -p "$STACK_DIR"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$STACK_DIR/.lock"
    flock -w $((KAFKA_UP_TIMEOUT * NODE_COUNT + 60)) 9 || die "could not take $STACK_DIR/.lock"
  fi
}

cmd_up() {
  resolve_mode fresh
  take_lock
  local i pid all_answer=1
  for ((i = 1; i <= NODE_COUNT; i++)); do
    select_node "$i"
    broker_answers && secure_ports_open || all_answer=0
  done
  if ((all_answer == 1)); then
    say "Kafka already answers on $(all_bootstrap), reusing it"
    return 0
  fi
  # Check every port before starting anything, so a clash does not leave half a cluster.
  for ((i = 1; i <= NODE_COUNT; i++)); do
    select_node "$i"
    running_pid >/dev/null && continue
    rm -f "$NODE_PID_FILE"
    if port_open "$KAFKA_HOST" "$NODE_PORT"; then
      die "port $NODE_PORT is taken by something this script did not start (from another STACK_DIR, or not a broker configured like this one; a broker running without --secure must be stopped before 'up --secure')"
    fi
    if port_open "$KAFKA_HOST" "$NODE_CONTROLLER_PORT"; then
      die "controller port $NODE_CONTROLLER_PORT is already in use (set KAFKA_CONTROLLER_PORT or KAFKA_PORT)"
    fi
    if ((SECURE == 1)); then
      port_open "$KAFKA_HOST" "$NODE_SASL_SSL_PORT" && die "SASL_SSL port $NODE_SASL_SSL_PORT is already in use (set KAFKA_SASL_SSL_PORT)"
      port_open "$KAFKA_HOST" "$NODE_SSL_PORT" && die "SSL port $NODE_SSL_PORT is already in use (set KAFKA_SSL_PORT)"
    fi
  done
  fetch_jars
  if ((SECURE == 1)); then
    make_tls
    make_users
  fi
  local id
  id="$(cluster_id)"
  for ((i = 1; i <= NODE_COUNT; i++)); do
    select_node "$i"
    write_config
    format_storage "$id"
  done
  printf 'nodes=%s\nsecure=%s\n' "$NODE_COUNT" "$SECURE" >"$MODE_FILE"
  for ((i = 1; i <= NODE_COUNT; i++)); do
    select_node "$i"
    if pid="$(running_pid)"; then
      say "Kafka node $i (pid $pid) is running but not ready yet, waiting"
    else
      start_broker
    fi
  done
  # A multi-node quorum elects its leader only once most nodes run, so wait after starting all.
  for ((i = 1; i <= NODE_COUNT; i++)); do
    select_node "$i"
    wait_node_ready
  done
  warm_up
  ((SECURE == 1)) && say "client settings (users, passwords, CA and client certificate): $SECURE_ENV"
  return 0
}

# Waits up to $2 tenths of a second for pid $1 to be gone; fails if it is still there.
wait_gone() {
  local pid="$1" tenths="$2" waited=0
  while kill -0 "$pid" 2>/dev/null && ((waited < tenths)); do
    sleep 0.1
    waited=$((waited + 1))
  done
  ! kill -0 "$pid" 2>/dev/null
}

stop_pid() {
  local pid="$1"
  kill -TERM "$pid" 2>/dev/null || true
  wait_gone "$pid" $((KAFKA_STOP_TIMEOUT * 10)) && return 0
  say "node $NODE still running after ${KAFKA_STOP_TIMEOUT} s, sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  # A killed JVM takes a moment to be torn down and reaped, longer on a loaded machine: wait for it
  # (a node whose quorum is gone, its peers stopped first, sits out the whole timeout and lands here).
  wait_gone "$pid" 100 || true
}

# Stops every node this STACK_DIR started. A port that answers without our pid file is reported
# and makes 'down' fail: callers such as restartKafka must not believe they stopped it.
cmd_down() {
  resolve_mode use-recorded
  take_lock
  local i pid pids=() foreign=0
  for ((i = 1; i <= NODE_COUNT; i++)); do
    select_node "$i"
    if pid="$(running_pid)"; then
      say "stopping Kafka node $i (pid $pid) ..."
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$i:$pid")
    else
      rm -f "$NODE_PID_FILE"
      if port_open "$KAFKA_HOST" "$NODE_PORT"; then
        say "ERROR: something listens on $NODE_BOOTSTRAP that this script did not start (no live pid in $NODE_PID_FILE); not stopping it" >&2
        foreign=1
      fi
    fi
  done
  local entry
  for entry in "${pids[@]}"; do
    select_node "${entry%%:*}"
    stop_pid "${entry#*:}"
    rm -f "$NODE_PID_FILE"
  done
  if ((foreign == 1)); then
    exit 1
  fi
  if ((${#pids[@]} == 0)); then
    say "Kafka is not running"
  else
    say "Kafka stopped (${#pids[@]} node(s))"
  fi
}

cmd_status() {
  resolve_mode use-recorded
  local i pid bad=0
  for ((i = 1; i <= NODE_COUNT; i++)); do
    select_node "$i"
    pid="$(running_pid || true)"
    local extra=""
    ((SECURE == 1)) && extra=", SASL_SSL :$NODE_SASL_SSL_PORT, SSL :$NODE_SSL_PORT"
    if broker_answers; then
      if [[ -n "$pid" ]]; then
        say "running: Kafka node $i answers on $NODE_BOOTSTRAP (pid $pid, data $NODE_LOG_DIRS$extra)"
      else
        say "running: a Kafka broker answers on $NODE_BOOTSTRAP (not started by this script's pid file)"
      fi
    elif [[ -n "$pid" ]]; then
      say "starting/unhealthy: node $i pid $pid is alive but $NODE_BOOTSTRAP does not answer yet"
      bad=1
    else
      say "stopped: nothing answers on $NODE_BOOTSTRAP"
      bad=1
    fi
  done
  return "$bad"
}

# Runs postgres-ha.sh on this stack's formation; 9>&- keeps it off our lock (it takes its own).
postgres_ha() {
  PG_HA_DIR="$PG_HA_DIR" bash "$SCRIPT_DIR/postgres-ha.sh" "$@" 9>&-
}

command="${1:-}"
(($#)) && shift
case "$command" in
  up)
    parse_flags "$@"
    cmd_up
    if ((POSTGRES_HA == 1)); then
      postgres_ha up
    fi
    ;;
  down)
    parse_flags "$@"
    # First, so that a foreign broker (which makes cmd_down exit 1) does not leave the formation up.
    if [[ -d "$PG_HA_DIR" ]]; then
      postgres_ha down
    fi
    cmd_down
    ;;
  status)
    parse_flags "$@"
    status=0
    cmd_status || status=$?
    if ((POSTGRES_HA == 1)); then
      postgres_ha status || status=1
    fi
    exit "$status"
    ;;
  *)
    echo "usage: $0 {up|down|status} [--secure] [--brokers N] [--postgres-ha]" >&2
    exit 2
    ;;
esac
