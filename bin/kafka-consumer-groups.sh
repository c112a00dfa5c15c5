#!/usr/bin/env bash
# bin/kafka-consumer-groups.sh: lists, describes, resets and deletes consumer groups, as Kafka's script.
# Runs the official Kafka tool from the jar cache (see kafka-run-class.sh; FJORD_KAFKA_VERSION
# picks 2.8 (default), 3.9, 4.1 or 0.9).
bin="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
case "${FJORD_KAFKA_VERSION:-2.8}" in
  0.9* | 2.8*) class=kafka.admin.ConsumerGroupCommand ;;
  *) class=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
esac
exec "$bin/kafka-run-class.sh" "$class" "$@"
