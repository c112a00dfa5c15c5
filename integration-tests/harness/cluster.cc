#include "integration-tests/harness/cluster.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "integration-tests/harness/harness_error.h"
#include "integration-tests/harness/metadata_probe.h"
#include "integration-tests/harness/wait.h"

namespace fjord::itest {

Cluster::Cluster(int brokers, std::map<std::string, std::string> overrides, Target target) {
  const std::string rf = std::to_string(std::min(brokers, 3));
  overrides.try_emplace("offsets.topic.replication.factor", rf);
  overrides.try_emplace("transaction.state.log.replication.factor", rf);
  for (int i = 1; i <= brokers; ++i) {
    brokers_.push_back(make_broker(
        {.broker_id = i, .zookeeper_connect = zookeeper_.connect_string(), .overrides = overrides},
        target));
  }
}

Cluster::~Cluster() {
  // A failed test tells how each broker fared: its log goes with its temp dir.
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  if (test != nullptr && test->result()->Failed()) {
    for (auto& b : brokers_) std::fputs(b->failure_report().c_str(), stdout);
    std::fflush(stdout);
  }
  // Teardown kills: a controlled shutdown of the last replicas cannot move leadership anywhere
  // and retries for 15 s per broker (controlled.shutdown.max.retries x retry.backoff.ms).
  // Tests of clean shutdown call broker(i).stop() themselves.
  for (auto& b : brokers_) b->kill();
}

std::optional<std::string> Cluster::unavailable_reason() const {
  return brokers_.empty() ? std::nullopt : brokers_.front()->unavailable_reason();
}

void Cluster::start(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto left = [&] {
    return std::max(0ms, std::chrono::duration_cast<std::chrono::milliseconds>(
                             deadline - std::chrono::steady_clock::now()));
  };
  zookeeper_.start(left());
  for (auto& b : brokers_) b->launch();
  for (auto& b : brokers_) b->wait_until_serving(left());
  const size_t want = brokers_.size();
  bool all = wait_for(
      [&] {
        auto ids = metadata_broker_ids(brokers_.front()->bootstrap(), 2s);
        return ids && ids->size() == want;
      },
      left(), 200ms);
  if (!all)
    throw HarnessError("cluster metadata never listed all " + std::to_string(want) + " brokers");
}

std::string Cluster::bootstrap() const {
  std::string s;
  for (const auto& b : brokers_) {
    if (!s.empty()) s += ',';
    s += b->bootstrap();
  }
  return s;
}

std::vector<int32_t> Cluster::broker_ids_other_than(int32_t id) const {
  std::vector<int32_t> ids;
  for (int32_t i = 1; i <= static_cast<int32_t>(brokers_.size()); ++i) {
    if (i != id) ids.push_back(i);
  }
  return ids;
}

}  // namespace fjord::itest
