#!/usr/bin/env bash
# bin/kafka-server-start.sh: starts a Fjord broker, as Kafka's script starts Kafka.
#
#   bin/kafka-server-start.sh [-daemon] server.properties [--override property=value]*
#
# The broker is build/bin/fjord-server (built here first if it is missing: needs the packages of
# tools/install-deps.sh). -daemon runs it in the background, output in $LOG_DIR/fjordServer.out
# (default <repo>/logs) and its pid in $LOG_DIR/fjordServer.pid for kafka-server-stop.sh.
# Environment: FJORD_SERVER_BIN (a broker binary to use instead), FJORD_BUILD_DIR (default
# <repo>/build), LOG_DIR.
set -euo pipefail

bin="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
repo="$(dirname "$bin")"

daemon=0
if [ "${1:-}" = "-daemon" ]; then
  daemon=1
  shift
fi
if [ $# -lt 1 ]; then
  echo "USAGE: $0 [-daemon] server.properties [--override property=value]*" >&2
  exit 1
fi

server="${FJORD_SERVER_BIN:-}"
if [ -z "$server" ]; then
  build="${FJORD_BUILD_DIR:-$repo/build}"
  server="$build/bin/fjord-server"
  if [ ! -x "$server" ]; then
    echo "kafka-server-start: $server is missing; building it (once, a few minutes)" >&2
    if ! command -v cmake >/dev/null || ! command -v ninja >/dev/null; then
      echo "kafka-server-start: cmake and ninja are needed: run tools/install-deps.sh (or make deps)" >&2
      exit 1
    fi
    if [ ! -f "$build/build.ninja" ]; then
      cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >&2
    fi
    cmake --build "$build" --target fjord-server >&2
  fi
fi

if [ "$daemon" = 1 ]; then
  log_dir="${LOG_DIR:-$repo/logs}"
  mkdir -p "$log_dir"
  nohup "$server" "$@" >>"$log_dir/fjordServer.out" 2>&1 </dev/null &
  echo $! >"$log_dir/fjordServer.pid"
  exit 0
fi
exec "$server" "$@"
