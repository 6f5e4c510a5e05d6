#!/usr/bin/env bash
# Local stack for development and tests, all on 127.0.0.1, no Docker:
#   Kafka (KRaft, single node) from the official jars on Maven Central,
#   ElasticMQ (SQS-compatible) from Maven Central,
#   s3rver (S3-compatible) from npm,
#   Postgres: the server on LAKE_PG_HOST:LAKE_PG_PORT, installed and started when absent.
#
#   tools/stack/stack.sh up|down|status|env|logs
#
# Idempotent: `up` starts only what is not running and waits until each part answers.
# State and logs live in $LAKE_STACK_DIR (default: .stack/ in the repository, git-ignored);
# downloaded jars in $LAKE_CACHE_DIR (default: ~/.cache/aws-log-lake), outside git.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=tools/stack/defaults.sh
source "$ROOT/tools/stack/defaults.sh"

STATE="$LAKE_STACK_DIR"
LOGS="$STATE/logs"
mkdir -p "$LOGS" "$STATE/run"

log() { printf '[stack] %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_alive() {
  local f="$STATE/run/$1.pid"
  [[ -f "$f" ]] && kill -0 "$(cat "$f")" 2>/dev/null
}

wait_port() { # name port timeout-seconds
  local name=$1 port=$2 limit=$3 waited=0
  until port_open "$port"; do
    if ! pid_alive "$name"; then
      log "$name exited during start; last lines of $LOGS/$name.log:"
      tail -n 30 "$LOGS/$name.log" >&2 || true
      return 1
    fi
    sleep 0.5
    waited=$((waited + 1))
    if ((waited > limit * 2)); then
      log "$name did not open port $port within ${limit}s; see $LOGS/$name.log"
      return 1
    fi
  done
}

start_bg() { # name command...
  local name=$1
  shift
  # setsid: the server outlives the shell that started it and can be stopped as a group.
  setsid "$@" >"$LOGS/$name.log" 2>&1 < /dev/null &
  echo $! >"$STATE/run/$name.pid"
}

stop_one() {
  local name=$1 f="$STATE/run/$1.pid"
  if pid_alive "$name"; then
    local pid
    pid=$(cat "$f")
    log "stopping $name (pid $pid)"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

fetch_jars() { # component version
  local dir="$LAKE_CACHE_DIR/$1-$2"
  if [[ ! -f "$dir/.complete" ]]; then
    log "resolving $1 $2 from Maven Central into $dir"
    command -v mvn >/dev/null || { log "Maven (mvn) is required: apt-get install -y maven"; exit 1; }
    rm -rf "$dir"
    mvn -q -B -f "$ROOT/tools/stack/pom.xml" -P"$1" "-D$1.version=$2" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$dir" >&2
    touch "$dir/.complete"
  fi
  echo "$dir"
}

kafka_up() {
  if port_open "$LAKE_KAFKA_PORT"; then log "kafka already listening on $LAKE_KAFKA_PORT"; return; fi
  local jars dir="$STATE/kafka"
  jars=$(fetch_jars kafka "$LAKE_KAFKA_VERSION")
  mkdir -p "$dir"
  cat >"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$LAKE_KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$LAKE_KAFKA_PORT,CONTROLLER://127.0.0.1:$LAKE_KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$LAKE_KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=$LAKE_KAFKA_PARTITIONS
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.retention.hours=168
PROPS
  cat >"$dir/log4j.properties" <<'L4J'
log4j.rootLogger=WARN, stdout
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=WARN
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
L4J
  local java_opts=(-Xms256m -Xmx768m -XX:+UseG1GC "-Dlog4j.configuration=file:$dir/log4j.properties" -cp "$jars/*")
  if [[ ! -f "$dir/data/meta.properties" ]]; then
    local cluster_id
    cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
    log "formatting kafka storage (cluster $cluster_id)"
    java "${java_opts[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" \
      >"$LOGS/kafka-format.log" 2>&1
  fi
  log "starting kafka $LAKE_KAFKA_VERSION on 127.0.0.1:$LAKE_KAFKA_PORT"
  start_bg kafka java "${java_opts[@]}" kafka.Kafka "$dir/server.properties"
  wait_port kafka "$LAKE_KAFKA_PORT" 90
}

sqs_up() {
  if port_open "$LAKE_SQS_PORT"; then log "elasticmq already listening on $LAKE_SQS_PORT"; return; fi
  local jars dir="$STATE/elasticmq"
  jars=$(fetch_jars elasticmq "$LAKE_ELASTICMQ_VERSION")
  mkdir -p "$dir"
  cat >"$dir/elasticmq.conf" <<CONF
include classpath("application.conf")
node-address { protocol = http, host = 127.0.0.1, port = $LAKE_SQS_PORT, context-path = "" }
rest-sqs { enabled = true, bind-port = $LAKE_SQS_PORT, bind-hostname = "127.0.0.1", sqs-limits = strict }
rest-stats { enabled = false }
CONF
  log "starting elasticmq $LAKE_ELASTICMQ_VERSION on 127.0.0.1:$LAKE_SQS_PORT"
  start_bg elasticmq java -Xms64m -Xmx256m "-Dconfig.file=$dir/elasticmq.conf" -cp "$jars/*" org.elasticmq.server.Main
  wait_port elasticmq "$LAKE_SQS_PORT" 60
}

s3_up() {
  if port_open "$LAKE_S3_PORT"; then log "s3rver already listening on $LAKE_S3_PORT"; return; fi
  [[ -d "$ROOT/node_modules/s3rver" ]] || { log "node_modules missing: run npm ci first"; exit 1; }
  mkdir -p "$STATE/s3"
  log "starting s3rver on 127.0.0.1:$LAKE_S3_PORT"
  start_bg s3 node --import tsx "$ROOT/tools/stack/s3-server.ts" --port "$LAKE_S3_PORT" --directory "$STATE/s3"
  wait_port s3 "$LAKE_S3_PORT" 30
}

pg_ready() { pg_isready -q -h "$LAKE_PG_HOST" -p "$LAKE_PG_PORT" 2>/dev/null; }

pg_up() {
  if command -v pg_isready >/dev/null && pg_ready; then
    log "postgres answering on $LAKE_PG_HOST:$LAKE_PG_PORT"
  else
    if ! command -v pg_ctlcluster >/dev/null; then
      log "postgres not installed: installing Debian's postgresql package"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -q >&2 && apt-get install -y -q postgresql >&2
    fi
    local version
    version=$(ls /etc/postgresql | sort -V | tail -1)
    local hba="/etc/postgresql/$version/main/pg_hba.conf"
    if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
      # Local development only: trust loopback connections, as on the team's machines.
      sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
    fi
    log "starting postgres $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || pg_ctlcluster "$version" main start
    for _ in $(seq 1 60); do pg_ready && break; sleep 0.5; done
    pg_ready || { log "postgres did not become ready"; exit 1; }
  fi
  if ! psql -h "$LAKE_PG_HOST" -p "$LAKE_PG_PORT" -U "$LAKE_PG_USER" -d "$LAKE_PG_DATABASE" -Atc 'select 1' >/dev/null 2>&1; then
    log "creating role $LAKE_PG_USER and database $LAKE_PG_DATABASE"
    local as_pg=(psql -v ON_ERROR_STOP=1 -h "$LAKE_PG_HOST" -p "$LAKE_PG_PORT" -U postgres -d postgres)
    command -v runuser >/dev/null && [[ $(id -u) == 0 ]] && as_pg=(runuser -u postgres -- psql -v ON_ERROR_STOP=1 -d postgres)
    "${as_pg[@]}" -Atc "do \$\$ begin if not exists (select from pg_roles where rolname = '$LAKE_PG_USER') then create role \"$LAKE_PG_USER\" login superuser; end if; end \$\$;" >&2
    "${as_pg[@]}" -Atc "select 1 from pg_database where datname = '$LAKE_PG_DATABASE'" | grep -q 1 ||
      "${as_pg[@]}" -Atc "create database \"$LAKE_PG_DATABASE\" owner \"$LAKE_PG_USER\"" >&2
  fi
}

print_env() {
  cat <<ENV
KAFKA_BROKERS=127.0.0.1:$LAKE_KAFKA_PORT
S3_ENDPOINT=http://127.0.0.1:$LAKE_S3_PORT
SQS_ENDPOINT=http://127.0.0.1:$LAKE_SQS_PORT
DATABASE_URL=postgres://$LAKE_PG_USER@$LAKE_PG_HOST:$LAKE_PG_PORT/$LAKE_PG_DATABASE
AWS_REGION=us-east-1
AWS_ACCESS_KEY_ID=S3RVER
AWS_SECRET_ACCESS_KEY=S3RVER
ENV
}

case "${1:-}" in
  up)
    pg_up
    s3_up
    sqs_up
    kafka_up
    log "stack is up; logs in $LOGS"
    ;;
  down)
    stop_one s3
    stop_one elasticmq
    stop_one kafka
    log "stack is down (postgres is left as it was)"
    ;;
  reset)
    "$0" down
    rm -rf "$STATE/kafka" "$STATE/s3" "$STATE/elasticmq"
    ;;
  status)
    for pair in "kafka:$LAKE_KAFKA_PORT" "elasticmq:$LAKE_SQS_PORT" "s3:$LAKE_S3_PORT" "postgres:$LAKE_PG_PORT"; do
      if port_open "${pair#*:}"; then echo "${pair%%:*} up (${pair#*:})"; else echo "${pair%%:*} down (${pair#*:})"; fi
    done
    ;;
  env) print_env ;;
  logs) ls -1 "$LOGS" ;;
  *)
    echo "usage: $0 up|down|reset|status|env|logs" >&2
    exit 2
    ;;
esac
