#!/usr/bin/env bash
# bin/kafka-server-stop.sh: stops the broker that `kafka-server-start.sh -daemon` started (the
# pid in $LOG_DIR/fjordServer.pid, default <repo>/logs) with SIGTERM, a clean shutdown.
set -euo pipefail

bin="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
pid_file="${LOG_DIR:-$(dirname "$bin")/logs}/fjordServer.pid"
if [ ! -f "$pid_file" ]; then
  echo "No kafka server to stop ($pid_file does not exist)" >&2
  exit 1
fi
pid="$(cat "$pid_file")"
if ! kill -s TERM "$pid" 2>/dev/null; then
  echo "No kafka server to stop (pid $pid from $pid_file is not running)" >&2
  rm -f "$pid_file"
  exit 1
fi
rm -f "$pid_file"
