#!/usr/bin/env bash
# bin/kafka-consumer-perf-test.sh: consume throughput, as Kafka's script.
# Runs the official Kafka tool from the jar cache (see kafka-run-class.sh; FJORD_KAFKA_VERSION
# picks 2.8 (default), 3.9, 4.1 or 0.9).
bin="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
case "${FJORD_KAFKA_VERSION:-2.8}" in
  0.9* | 2.8*) class=kafka.tools.ConsumerPerformance ;;
  *) class=org.apache.kafka.tools.ConsumerPerformance ;;
esac
exec "$bin/kafka-run-class.sh" "$class" "$@"
