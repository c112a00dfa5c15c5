#!/usr/bin/env bash
# bin/zookeeper-shell.sh: ZooKeeper's command-line client, as Kafka's script runs it; look at
# the znodes brokers and old consumers write (`get /consumers/<group>/offsets/<topic>/<p>`).
#
#   bin/zookeeper-shell.sh localhost:2181 ls /brokers/ids
#
# FJORD_KAFKA_VERSION picks the jars: 2.8 (default), 3.9 or 0.9; Kafka 4.x ships no ZooKeeper.
bin="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
if [ $# -lt 1 ]; then
  echo "USAGE: $0 zookeeper_host:port[/path] [-zk-tls-config-file file] [args...]" >&2
  exit 1
fi
case "${FJORD_KAFKA_VERSION:-2.8}" in
  0.9*) class=kafka.tools.ZooKeeperMainWrapper ;;
  4.*)
    echo "Kafka ${FJORD_KAFKA_VERSION} ships no ZooKeeper: use FJORD_KAFKA_VERSION=2.8 or 3.9" >&2
    exit 1
    ;;
  *) class=org.apache.zookeeper.ZooKeeperMainWithTlsSupportForKafka ;;
esac
exec "$bin/kafka-run-class.sh" "$class" -server "$@"
