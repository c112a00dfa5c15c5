#!/usr/bin/env bash
# bin/zookeeper-server-start.sh: a ZooKeeper server from the Kafka bundle's zookeeper jar, as
# Kafka's script runs it (the seed document starts its ensemble with ZooKeeper's zkServer.sh;
# this is the same server).
#
#   bin/zookeeper-server-start.sh config/zookeeper.properties
#
# FJORD_KAFKA_VERSION picks the jar: 2.8 (default, ZooKeeper 3.5.9), 3.9 (3.8.4) or 0.9 (3.4.6);
# Kafka 4.x ships no ZooKeeper.
bin="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
if [ $# -lt 1 ]; then
  echo "USAGE: $0 zookeeper.properties" >&2
  exit 1
fi
case "${FJORD_KAFKA_VERSION:-2.8}" in
  4.*)
    echo "Kafka ${FJORD_KAFKA_VERSION} ships no ZooKeeper: use FJORD_KAFKA_VERSION=2.8 or 3.9" >&2
    exit 1
    ;;
esac
export KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx512M -Xms512M}"
exec "$bin/kafka-run-class.sh" org.apache.zookeeper.server.quorum.QuorumPeerMain "$@"
