// FJORD_SKIP_IF_UNAVAILABLE(x): skips the current test (GTEST_SKIP) with the reason when a
// Broker or Cluster cannot run here, for example while fjord-server is not built yet.
// SharedBrokerSuite: a fixture whose tests share one broker.
#pragma once

#include <gtest/gtest.h>

#include "integration-tests/harness/broker.h"

#define FJORD_SKIP_IF_UNAVAILABLE(x)                                                   \
  do {                                                                                 \
    if (auto fjord_reason_ = (x).unavailable_reason()) GTEST_SKIP() << *fjord_reason_; \
  } while (0)

namespace fjord::itest {

// A test suite whose tests share one broker of the test target, started once for the suite
// (Kafka takes seconds to start) and stopped after its last test; each test is skipped when
// the broker cannot run here. Tests give their topics their own names.
class SharedBrokerSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    broker_ = make_broker().release();
    if (broker_->unavailable_reason()) return;
    broker_->start();
  }
  static void TearDownTestSuite() {
    delete broker_;
    broker_ = nullptr;
  }
  void SetUp() override { FJORD_SKIP_IF_UNAVAILABLE(*broker_); }

  static inline Broker* broker_ = nullptr;
};

}  // namespace fjord::itest
