// Scheduler runs background work of the storage engine off the produce/fetch path: the fsync
// of a rolled segment, the removal of .deleted files after file.delete.delay.ms, and the log
// manager's periodic retention / flush / checkpoint tasks (Kafka's KafkaScheduler).
//
// ThreadScheduler owns one thread; due times come from the injected Clock, so tests drive it
// with a ManualClock and run_due(). InlineScheduler runs each task at once (tests, tools).
// Thread-safety: schedule() from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

#include "log/clock.h"

namespace fjord::log {

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  virtual void schedule(int64_t delay_ms, std::function<void()> task) = 0;
};

class InlineScheduler final : public Scheduler {
 public:
  void schedule(int64_t, std::function<void()> task) override { task(); }
};

class ThreadScheduler final : public Scheduler {
 public:
  // start_thread=false: nothing runs until run_due() (deterministic tests).
  explicit ThreadScheduler(const Clock& clock, bool start_thread = true);
  ~ThreadScheduler() override;  // stops; pending tasks are dropped
  void schedule(int64_t delay_ms, std::function<void()> task) override;
  // Runs every task due now, on the calling thread; returns how many ran.
  int run_due();
  // Runs tasks that are due until none is left, then stops the thread.
  void shutdown();

 private:
  struct Task {
    int64_t due_ms;
    uint64_t seq;
    std::function<void()> fn;
    bool operator>(const Task& o) const {
      return due_ms != o.due_ms ? due_ms > o.due_ms : seq > o.seq;
    }
  };
  void loop();

  const Clock& clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::priority_queue<Task, std::vector<Task>, std::greater<>> tasks_;
  uint64_t seq_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace fjord::log
