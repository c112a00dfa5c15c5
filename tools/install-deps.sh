#!/usr/bin/env bash
# Installs the Debian packages Fjord builds and tests with, and nothing else.
# Safe to run again: it only asks apt-get for what dpkg says is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config python3
  libasio-dev libssl-dev libspdlog-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  zlib1g-dev libsnappy-dev liblz4-dev libzstd-dev libzookeeper-mt-dev
  # tests only: real clients, a real ZooKeeper, the fuzzer's compiler
  librdkafka-dev kcat zookeeper clang libclang-rt-14-dev clang-format
  maven default-jdk-headless python3-venv
  # socket_options_test reads the broker's socket buffers with ss
  iproute2
  # make bench: the latency chart (Debian's matplotlib, for /usr/bin/python3)
  python3-matplotlib
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
