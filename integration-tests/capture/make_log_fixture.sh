#!/usr/bin/env bash
# Re-creates log/test/data/kafka-3.9-logdir/: a log dir written by real Apache Kafka 3.9.0, which
# log/test/kafka_fixture_test.cc opens with Fjord's PartitionLog (DESIGN.md "Storage layer":
# Fjord opens a log dir that Kafka wrote).
#
#   integration-tests/capture/make_log_fixture.sh [out-dir]   # default log/test/data/kafka-3.9-logdir
#
# Starts Kafka 3.9.0 (KRaft combined mode, one node) from .cache/jars/kafka-3.9.0, runs
# MakeLogFixture.java (topic, records, manifest), stops Kafka with SIGTERM (clean shutdown: trimmed
# indexes, checkpoints, .kafka_cleanshutdown) and copies the topic's partition directories, the
# log dir's checkpoint files and meta.properties. Needs java (JDK 17) and python3.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$repo/log/test/data/kafka-3.9-logdir}"
"$repo/tools/fetch-jars.sh" kafka-3.9.0
jars="${FJORD_JARS_DIR:-$repo/.cache/jars}/kafka-3.9.0"

work="$(mktemp -d /tmp/fjord-log-fixture.XXXXXX)"
kafka_pid=""
cleanup() {
  if [ -n "$kafka_pid" ] && kill -0 "$kafka_pid" 2>/dev/null; then kill -9 "$kafka_pid"; fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
port="$(free_port)"
cport="$(free_port)"
logdir="$work/data"
cat >"$work/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$logdir
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
EOF

# Kafka 3.9 logs through log4j 1 (reload4j); the project's config keeps warnings only.
java_cmd=(java -Xmx512m -Dlog4j.configuration="file:$repo/tools/log4j/log4j.properties"
  -cp "$jars/*")

"${java_cmd[@]}" kafka.tools.StorageTool format -t "fjordLogFixture-3-9-0A" \
  -c "$work/server.properties" >/dev/null
"${java_cmd[@]}" kafka.Kafka "$work/server.properties" >"$work/broker.log" 2>&1 &
kafka_pid=$!

# Poll (bounded) until the broker accepts connections.
for _ in $(seq 1 600); do
  if python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null; then
    break
  fi
  kill -0 "$kafka_pid" || { tail -50 "$work/broker.log"; exit 1; }
  sleep 0.2
done

"${java_cmd[@]}" "$repo/integration-tests/capture/MakeLogFixture.java" \
  "127.0.0.1:$port" "$work/MANIFEST"

kill -TERM "$kafka_pid"
wait "$kafka_pid" || true
kafka_pid=""
[ -f "$logdir/.kafka_cleanshutdown" ] || { echo "Kafka did not shut down cleanly" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out"
cp -r "$logdir/fixture-0" "$logdir/fixture-1" "$out/"
for f in meta.properties recovery-point-offset-checkpoint log-start-offset-checkpoint \
         replication-offset-checkpoint .kafka_cleanshutdown; do
  cp "$logdir/$f" "$out/"
done
cp "$work/MANIFEST" "$out/MANIFEST"
echo "fixture written to $out ($(du -sh "$out" | cut -f1))"
