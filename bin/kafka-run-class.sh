#!/usr/bin/env bash
# Runs a Java main class from the official Apache Kafka jars, as Kafka's bin/kafka-run-class.sh
# does; the jars come from Maven Central into .cache/jars/ (tools/fetch-jars.sh fetches a
# bundle the first time it is needed).
#
#   bin/kafka-run-class.sh kafka.tools.ConsoleProducer --broker-list localhost:9092 --topic test
#
# Environment:
#   FJORD_KAFKA_VERSION  which tools: 2.8 (default: kafka-topics still takes --zookeeper, the
#                        producer --broker-list), 3.9, 4.1 (--bootstrap-server only), or 0.9
#                        (kafka_2.10-0.9.0.1, the version of the seed document)
#   KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_OPTS, KAFKA_LOG4J_OPTS, JAVA_HOME
#                        as for Kafka's scripts
#   FJORD_JARS_DIR       the jar cache (default <repo>/.cache/jars)
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "USAGE: $0 classname [opts]" >&2
  exit 1
fi

bin="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
repo="$(dirname "$bin")"

# The bundle for FJORD_KAFKA_VERSION (tools/jars/<bundle>/pom.xml describes each).
fjord_kafka_bundle() {
  case "${FJORD_KAFKA_VERSION:-2.8}" in
    0.9 | 0.9.0 | 0.9.0.1) echo kafka-0.9.0.1 ;;
    2.8 | 2.8.2) echo kafka-2.8.2 ;;
    3.9 | 3.9.0) echo kafka-3.9.0 ;;
    4.1 | 4.1.0) echo kafka-4.1.0 ;;
    *)
      echo "FJORD_KAFKA_VERSION=${FJORD_KAFKA_VERSION}: unknown; use 0.9, 2.8, 3.9 or 4.1" >&2
      return 1
      ;;
  esac
}

bundle="$(fjord_kafka_bundle)"
jars="${FJORD_JARS_DIR:-$repo/.cache/jars}/$bundle"
# Cheap when the bundle is complete (a checksum of its pom); otherwise fetches it (needs mvn).
bash "$repo/tools/fetch-jars.sh" "$bundle"

if [ -n "${JAVA_HOME:-}" ]; then java="$JAVA_HOME/bin/java"; else java=java; fi

# Kafka 0.9/2.8 log with log4j 1, 3.x with reload4j (the same API), 4.x with log4j 2: warnings
# and errors to stderr, as Kafka's config/tools-log4j.properties does.
if [ -z "${KAFKA_LOG4J_OPTS:-}" ]; then
  if compgen -G "$jars/log4j-1.2*.jar" >/dev/null || compgen -G "$jars/reload4j-*.jar" >/dev/null; then
    KAFKA_LOG4J_OPTS="-Dlog4j.configuration=file:$repo/tools/log4j/log4j.properties"
  else
    KAFKA_LOG4J_OPTS="-Dlog4j2.configurationFile=$repo/tools/log4j/log4j2.xml"
  fi
fi
# The console tools run for seconds: a small heap, the C1 JIT alone and a serial GC start fastest.
: "${KAFKA_HEAP_OPTS:=-Xmx256m}"
: "${KAFKA_JVM_PERFORMANCE_OPTS:=-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true}"

# shellcheck disable=SC2086  # the *_OPTS variables are word lists, as in Kafka's scripts
exec "$java" $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS $KAFKA_LOG4J_OPTS ${KAFKA_OPTS:-} \
  -cp "$jars/*" "$@"
