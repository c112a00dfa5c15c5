#!/usr/bin/env bash
# bin/kafka-dump-log.sh: prints the batches of log segment and index files, as Kafka's script.
# Runs the official Kafka tool from the jar cache (see kafka-run-class.sh; FJORD_KAFKA_VERSION
# picks 2.8 (default), 3.9, 4.1 or 0.9).
bin="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
case "${FJORD_KAFKA_VERSION:-2.8}" in
  *) class=kafka.tools.DumpLogSegments ;;
esac
exec "$bin/kafka-run-class.sh" "$class" "$@"
