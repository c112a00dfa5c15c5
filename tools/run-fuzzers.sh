#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (FJORD_FUZZ) in build-fuzz/ and runs each for the
# given number of seconds (default 60). A crash, leak or sanitizer report fails the run.
set -euo pipefail
seconds=${1:-60}
top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/build-fuzz"
cd "$top"
if [ ! -f "$build/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DFJORD_FUZZ=ON -DFJORD_TESTS=OFF -DFJORD_BENCH=OFF >/dev/null
fi
cmake --build "$build" --target fuzzers
shopt -s nullglob
targets=("$build"/bin/fuzz_*)
if [ ${#targets[@]} -eq 0 ]; then
  echo "run-fuzzers: no fuzz targets yet"
  exit 0
fi
for t in "${targets[@]}"; do
  name=$(basename "$t")
  corpus="$build/corpus/$name"
  mkdir -p "$corpus"
  seeds=()
  [ -d "$top/protocol/fuzz/seeds/$name" ] && seeds=("$top/protocol/fuzz/seeds/$name")
  echo "run-fuzzers: $name for ${seconds}s"
  "$t" -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 "$corpus" "${seeds[@]}" \
    > "$build/$name.log" 2>&1 || { tail -50 "$build/$name.log"; echo "run-fuzzers: $name FAILED"; exit 1; }
  grep -E '^(stat::number_of_executed_units|Done)' "$build/$name.log" || true
done
