#!/usr/bin/env bash
# Runs every Google Benchmark program in <build>/bin (named *_bench) and keeps the JSON
# output under bench-results/.
set -euo pipefail
build=${1:-build}
mkdir -p bench-results
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
