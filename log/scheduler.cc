#include "log/scheduler.h"

#include <spdlog/spdlog.h>

namespace fjord::log {

ThreadScheduler::ThreadScheduler(const Clock& clock, bool start_thread) : clock_(clock) {
  if (start_thread) thread_ = std::thread([this] { loop(); });
}

ThreadScheduler::~ThreadScheduler() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ThreadScheduler::schedule(int64_t delay_ms, std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    tasks_.push(Task{clock_.now_ms() + std::max<int64_t>(0, delay_ms), seq_++, std::move(task)});
  }
  cv_.notify_all();
}

int ThreadScheduler::run_due() {
  int ran = 0;
  for (;;) {
    std::function<void()> fn;
    {
      std::lock_guard lock(mu_);
      if (tasks_.empty() || tasks_.top().due_ms > clock_.now_ms()) return ran;
      fn = std::move(const_cast<Task&>(tasks_.top()).fn);
      tasks_.pop();
    }
    fn();
    ++ran;
  }
}

void ThreadScheduler::shutdown() {
  run_due();
  std::lock_guard lock(mu_);
  stopping_ = true;
  cv_.notify_all();
}

void ThreadScheduler::loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    int64_t wait_ms = 100;  // bounded: a ManualClock may move without notifying us
    if (!tasks_.empty())
      wait_ms = std::clamp<int64_t>(tasks_.top().due_ms - clock_.now_ms(), 0, 100);
    if (wait_ms > 0) {
      cv_.wait_for(lock, std::chrono::milliseconds(wait_ms));
      continue;
    }
    lock.unlock();
    run_due();
    lock.lock();
  }
}

}  // namespace fjord::log
