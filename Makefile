# The front door. `make run` and `make test` work on a fresh Debian machine: each first
# installs what is missing (tools/install-deps.sh), then builds with CMake + Ninja.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: deps build run test unit-test fuzz-test bench bench-brokers bench-cluster clean format

deps:
	@bash tools/install-deps.sh

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

run: build
	@if [ -x $(BUILD)/bin/fjord-server ]; then \
	  mkdir -p data && exec $(BUILD)/bin/fjord-server config/server.properties; \
	else \
	  echo "Built everything there is; the broker (build/bin/fjord-server) is not there yet."; \
	fi

# Every test: unit and integration tests through ctest, then the fuzz smoke run. When a test
# fails, why it failed is printed again at the end (tools/test-failures.py).
test: build
	cd $(BUILD) && { ctest --output-on-failure -j $(JOBS) --timeout 900 || \
	  { python3 $(CURDIR)/tools/test-failures.py Testing/Temporary/LastTest.log; exit 1; }; }
	@$(MAKE) --no-print-directory fuzz-test

# libFuzzer targets, built with clang in their own tree and run for 60 s each.
FUZZ_SECONDS ?= 60
fuzz-test: deps
	@bash tools/run-fuzzers.sh $(FUZZ_SECONDS)

# Micro benchmarks, then Fjord side by side with Apache Kafka 3.9 (tools/bench/bench.py, about
# 25 minutes; BENCH_ARGS="--reps 1" for one repetition). Results in bench-results/.
BENCH_ARGS ?=
bench: build
	@bash tools/run-benchmarks.sh $(BUILD) $(BENCH_ARGS)

bench-brokers: build
	@bash tools/run-benchmarks.sh --brokers-only $(BUILD) $(BENCH_ARGS)

# Three-broker clusters (ZooKeeper mode), Fjord vs Kafka 3.9: RF 3 throughput with acks=1 and
# acks=all, leader failover times (tools/bench/cluster_bench.py; BENCH_ARGS="--reps 1", "--smoke").
bench-cluster: build
	@mkdir -p bench-results
	@/usr/bin/python3 tools/bench/cluster_bench.py --build-dir $(BUILD) $(BENCH_ARGS)

format:
	@find protocol server log coordinator zk tools integration-tests -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(BUILD)-fuzz
