// Test doubles for the group coordinator: a clock that moves only when told to, and a fake
// __consumer_offsets whose appends complete on drain() (each batch counts as one offset).
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <vector>

#include "coordinator/coordinator_env.h"

namespace fjord::coordinator::test {

class FakeClock : public CoordinatorClock {
 public:
  int64_t now_ms() const override { return now; }
  int64_t now = 1'700'000'000'000;
};

// Each batch counts as one offset; appends complete on drain(). Every partition is led at
// epoch 0 unless `epochs` says otherwise (-1: led by another broker).
class FakeTopic : public OffsetsTopic {
 public:
  int32_t leader_epoch(int32_t partition) const override {
    auto it = epochs.find(partition);
    return it == epochs.end() ? 0 : it->second;
  }
  std::map<int32_t, int32_t> epochs;
  void append(int32_t partition, Bytes batch, std::function<void(ErrorCode)> done) override {
    batches[partition].push_back(std::move(batch));
    pending.push_back([done] { done(ErrorCode::kNone); });
  }
  Result<OffsetsRead> read(int32_t partition, int64_t offset, int32_t) override {
    OffsetsRead r;
    auto& b = batches[partition];
    for (size_t i = static_cast<size_t>(offset); i < b.size(); ++i) {
      r.records.insert(r.records.end(), b[i].begin(), b[i].end());
    }
    r.next_offset = static_cast<int64_t>(b.size());
    r.end_offset = r.next_offset;
    return r;
  }
  void drain() {
    while (!pending.empty()) {
      auto f = std::move(pending.front());
      pending.pop_front();
      f();
    }
  }
  std::map<int32_t, std::vector<Bytes>> batches;
  std::deque<std::function<void()>> pending;
};

}  // namespace fjord::coordinator::test
