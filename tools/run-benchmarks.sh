#!/usr/bin/env bash
# `make bench`: runs every Google Benchmark program in <build>/bin (named *_bench), keeping the
# JSON output under bench-results/, then the broker harness (Fjord side by side with Apache
# Kafka 3.9, tools/bench/bench.py; extra arguments go to it, e.g. --reps 1).
#
#   tools/run-benchmarks.sh [build] [bench.py arguments...]
#   tools/run-benchmarks.sh --brokers-only [build] [bench.py arguments...]   # `make bench-brokers`
set -euo pipefail
micro=1
if [ "${1:-}" = "--brokers-only" ]; then
  micro=0
  shift
fi
build=${1:-build}
shift || true
mkdir -p bench-results
if [ "$micro" = 1 ]; then
  shopt -s nullglob
  for b in "$build"/bin/*_bench; do
    name=$(basename "$b")
    echo "== $name"
    extra=()
    # log_bench compares append with raw writes over repeated passes: interleave them so that
    # load from other processes falls on every mode alike (compare the medians).
    [[ $name == log_bench ]] && extra+=(--benchmark_enable_random_interleaving=true)
    "$b" "${extra[@]}" --benchmark_out="bench-results/$name.json" --benchmark_out_format=json
  done
fi
echo "== brokers: Fjord and Apache Kafka 3.9 (tools/bench/bench.py)"
# Debian's python3 has python3-matplotlib (tools/install-deps.sh), for the latency chart.
exec /usr/bin/python3 "$(dirname "$0")/bench/bench.py" --build-dir "$build" "$@"
