#!/usr/bin/env bash
# Captures golden request/response frames from real clients talking to a real Apache Kafka 3.9
# broker, through capture_proxy.py, and curates them into protocol/test/golden/ (one request and
# its response per client, API and version; manifest.json + README.md describe every file).
#
#   integration-tests/capture/capture_golden.sh [OUT_DIR]     # default protocol/test/golden
#
# Needs: java, kcat (tools/install-deps.sh), the kafka-3.9.0 and kafka-2.8.2 jar bundles
# (fetched here), and Kafka's message definitions for the manifest
# ($FJORD_SPECS_DIR, default ../shared/reference/kafka-message-specs beside the repo).
# Kafka runs in KRaft combined mode on 127.0.0.1 with advertised.listeners set to the proxy's
# port, so clients stay on the proxy after bootstrap. Takes about a minute.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$repo/integration-tests/capture"
out="${1:-$repo/protocol/test/golden}"
specs="${FJORD_SPECS_DIR:-$repo/../shared/reference/kafka-message-specs}"
[ -d "$specs" ] || { echo "capture_golden: no message specs at $specs (set FJORD_SPECS_DIR)" >&2; exit 1; }

bash "$repo/tools/fetch-jars.sh" kafka-3.9.0 kafka-2.8.2
K39="$repo/.cache/jars/kafka-3.9.0"
K28="$repo/.cache/jars/kafka-2.8.2"
L4J1="-Dlog4j.configuration=file:$repo/tools/log4j/log4j.properties"

work="$(mktemp -d /tmp/fjord-capture-XXXXXX)"
pids=()
stop_pid() {  # SIGTERM, then SIGKILL after 15 s, for a child this script started
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  wait 2>/dev/null || true
  if [ "${FJORD_CAPTURE_KEEP:-0}" = 1 ]; then echo "capture_golden: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_until() {  # wait_until SECONDS command...: polls the command every 0.2 s, bounded
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "capture_golden: timed out: $*" >&2; return 1; }
    sleep 0.2
  done
}
J39=(java -Xmx256m -XX:TieredStopAtLevel=1 "$L4J1" -cp "$K39/*")
J28=(java -Xmx256m -XX:TieredStopAtLevel=1 "$L4J1" -cp "$K28/*")
java39() { "${J39[@]}" "$@"; }
java28() { "${J28[@]}" "$@"; }

B=$(free_port); C=$(free_port); P=$(free_port)
mkdir -p "$work/data"
cat >"$work/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$C
listeners=PLAINTEXT://127.0.0.1:$B,CONTROLLER://127.0.0.1:$C
advertised.listeners=PLAINTEXT://127.0.0.1:$P
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$work/data
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS
java39 kafka.tools.StorageTool format -t "$(java39 kafka.tools.StorageTool random-uuid)" \
  -c "$work/server.properties" >/dev/null
start=$(date +%s)
java -Xmx512m "$L4J1" -cp "$K39/*" kafka.Kafka "$work/server.properties" >"$work/kafka.log" 2>&1 &
pids+=($!)
wait_until 90 kcat -L -b "127.0.0.1:$B" -m 5
echo "capture_golden: Kafka 3.9 serving after $(( $(date +%s) - start )) s on $B (advertised $P)" >&2

proxy_pid=""
proxy() {  # proxy DIR: (re)starts the recording proxy on $P, writing into DIR
  [ -z "$proxy_pid" ] || stop_pid "$proxy_pid"
  python3 "$here/capture_proxy.py" --listen-port "$P" --upstream "127.0.0.1:$B" --out "$1" \
    2>>"$work/proxy.log" &
  proxy_pid=$!
  pids+=("$proxy_pid")
  wait_until 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $P)).close()"
}
records=$'k1:one\nk2:two\nk3:three\n'

# Topics for the librdkafka clients are made beforehand (not recorded).
proxy "$work/raw/setup"
for t in golden-kcat golden-kcat-09; do
  java39 org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$P" --create \
    --topic "$t" --partitions 1 --replication-factor 1 >/dev/null
done

# librdkafka 2.0.2 (kcat 1.7): newest versions it knows.
capture_kcat() {  # capture_kcat CLIENT_DIR TOPIC GROUP CLIENT_ID [extra -X options...]
  local dir=$1 topic=$2 group=$3 id=$4; shift 4
  local x=(-X "client.id=$id" "$@")
  proxy "$work/raw/$dir"
  kcat -L -b "127.0.0.1:$P" -t "$topic" "${x[@]}" >/dev/null
  printf '%s' "$records" | kcat -P -b "127.0.0.1:$P" -t "$topic" -p 0 -K: "${x[@]}" \
    -X linger.ms=200
  timeout 60 kcat -C -b "127.0.0.1:$P" -t "$topic" -p 0 -o beginning -c 3 -e "${x[@]}" >/dev/null
  timeout 60 kcat -b "127.0.0.1:$P" -G "$group" "$topic" -c 3 "${x[@]}" \
    -X auto.offset.reset=earliest >/dev/null 2>&1
}
capture_kcat librdkafka golden-kcat golden-group-kcat golden-kcat
# The same without ApiVersions, as librdkafka talks to a 0.9 broker: the oldest versions
# (Produce v1, Fetch v1, Metadata v0, JoinGroup v0, ...) and magic 0 message sets. (With a
# fallback of 0.10.0 or later librdkafka sends ApiVersions anyway, so that adds nothing.)
capture_kcat librdkafka-fallback-0.9.0 golden-kcat-09 golden-group-kcat-09 golden-kcat-09 \
  -X api.version.request=false -X broker.version.fallback=0.9.0

# Java clients: kafka-topics (admin client), console producer (idempotent in 3.x), and console
# consumer in a group.
capture_java() {  # capture_java CLIENT_DIR J39|J28 TOPIC_CMD PRODUCER CONSUMER TOPIC GROUP ID
  local dir=$1 topics=$3 producer=$4 consumer=$5 topic=$6 group=$7 id=$8
  local -n jvm=$2
  proxy "$work/raw/$dir"
  echo "client.id=$id-admin" >"$work/$dir-admin.properties"
  "${jvm[@]}" "$topics" --bootstrap-server "127.0.0.1:$P" --command-config "$work/$dir-admin.properties" \
    --create --topic "$topic" --partitions 1 --replication-factor 1 >/dev/null
  printf '%s' "$records" | "${jvm[@]}" "$producer" --bootstrap-server "127.0.0.1:$P" --topic "$topic" \
    --property parse.key=true --property key.separator=: \
    --producer-property "client.id=$id-producer" --producer-property linger.ms=200
  timeout 90 "${jvm[@]}" "$consumer" --bootstrap-server "127.0.0.1:$P" --topic "$topic" \
    --group "$group" --from-beginning --max-messages 3 --timeout-ms 30000 \
    --consumer-property "client.id=$id-consumer" >/dev/null
}
capture_java java-3.9.0 J39 org.apache.kafka.tools.TopicCommand kafka.tools.ConsoleProducer \
  org.apache.kafka.tools.consumer.ConsoleConsumer golden-java golden-group-java golden-java
# Kafka 2.8's TopicCommand --bootstrap-server prints nothing useful on success; its producer
# uses --broker-list.
capture_java28() {
  local dir=java-2.8.2 topic=golden-java28 group=golden-group-java28 id=golden-java28
  proxy "$work/raw/$dir"
  echo "client.id=$id-admin" >"$work/$dir-admin.properties"
  java28 kafka.admin.TopicCommand --bootstrap-server "127.0.0.1:$P" \
    --command-config "$work/$dir-admin.properties" \
    --create --topic "$topic" --partitions 1 --replication-factor 1 >/dev/null
  printf '%s' "$records" | java28 kafka.tools.ConsoleProducer --broker-list "127.0.0.1:$P" \
    --topic "$topic" --property parse.key=true --property key.separator=: \
    --producer-property "client.id=$id-producer" --producer-property linger.ms=200
  timeout 90 "${J28[@]}" kafka.tools.ConsoleConsumer --bootstrap-server "127.0.0.1:$P" --topic "$topic" \
    --group "$group" --from-beginning --max-messages 3 --timeout-ms 30000 \
    --consumer-property "client.id=$id-consumer" >/dev/null
}
capture_java28
stop_pid "$proxy_pid"

python3 "$here/curate_golden.py" --raw "$work/raw" --specs "$specs" --out "$out" \
  --clients librdkafka librdkafka-fallback-0.9.0 java-3.9.0 java-2.8.2
echo "capture_golden: wrote $out ($(du -sh "$out" | cut -f1))" >&2
