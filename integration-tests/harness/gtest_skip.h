// FJORD_SKIP_IF_UNAVAILABLE(x): skips the current test (GTEST_SKIP) with the reason when a
// Broker or Cluster cannot run here, for example while fjord-server is not built yet.
#pragma once

#include <gtest/gtest.h>

#define FJORD_SKIP_IF_UNAVAILABLE(x)                                                   \
  do {                                                                                 \
    if (auto fjord_reason_ = (x).unavailable_reason()) GTEST_SKIP() << *fjord_reason_; \
  } while (0)
