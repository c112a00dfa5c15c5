#!/usr/bin/env bash
# Gathers the official Apache Kafka / Flume jars from Maven Central into .cache/jars/<bundle>/
# (git-ignored), one folder per bundle, so tests run them with `java -cp '<dir>/*' <main class>`.
#
#   tools/fetch-jars.sh                 # every bundle
#   tools/fetch-jars.sh kafka-3.9.0     # only the named ones
#
# A bundle is described by tools/jars/<bundle>/pom.xml. A bundle is complete when its stamp file
# (.cache/jars/<bundle>/.stamp) holds the sha256 of that pom: then nothing is done, so calling
# this before every test is cheap. Otherwise the jars are copied into a fresh folder that
# replaces the old one only on success. Concurrent callers serialise on a lock file.
# Environment: FJORD_JARS_DIR overrides the cache folder (default <repo>/.cache/jars).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
poms="$repo/tools/jars"
cache="${FJORD_JARS_DIR:-$repo/.cache/jars}"

if [ $# -eq 0 ]; then
  bundles=()
  for d in "$poms"/*/; do bundles+=("$(basename "$d")"); done
else
  bundles=("$@")
fi

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

for b in "${bundles[@]}"; do
  pom="$poms/$b/pom.xml"
  if [ ! -f "$pom" ]; then
    echo "fetch-jars: unknown bundle '$b' (no $pom)" >&2
    exit 2
  fi
  want="$(sha256sum "$pom" | cut -d' ' -f1)"
  dest="$cache/$b"
  if [ -f "$dest/.stamp" ] && [ "$(cat "$dest/.stamp")" = "$want" ]; then
    continue
  fi
  if ! command -v mvn >/dev/null; then
    echo "fetch-jars: mvn not found; run tools/install-deps.sh" >&2
    exit 1
  fi
  echo "fetch-jars: fetching $b into $dest" >&2
  tmp="$cache/.$b.tmp"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  start=$(date +%s)
  mvn -q -B -Dstyle.color=never -f "$pom" dependency:copy-dependencies \
    -DoutputDirectory="$tmp" -DincludeScope=runtime 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2
  echo "$want" >"$tmp/.stamp"
  rm -rf "$dest"
  mv "$tmp" "$dest"
  echo "fetch-jars: $b: $(ls "$dest"/*.jar | wc -l) jars in $(( $(date +%s) - start )) s" >&2
done
