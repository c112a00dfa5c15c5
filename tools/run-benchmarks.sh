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
  "$b" --benchmark_out="bench-results/$name.json" --benchmark_out_format=json
done
