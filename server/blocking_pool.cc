#include "server/blocking_pool.h"

#include <spdlog/spdlog.h>

namespace fjord {

BlockingPool::BlockingPool(size_t threads, size_t capacity) : capacity_(std::max<size_t>(1, capacity)) {
  threads = std::max<size_t>(1, threads);
  threads_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { worker(); });
}

BlockingPool::~BlockingPool() { stop(); }

void BlockingPool::stop() {
  std::vector<std::function<void()>> waiters;
  {
    std::lock_guard lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    waiters.swap(space_waiters_);
  }
  cv_.notify_all();
  for (auto& w : waiters) w();  // they see kStopped when they retry
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

BlockingPool::Reserve BlockingPool::reserve() {
  std::lock_guard lock(mu_);
  if (stopping_) return Reserve::kStopped;
  if (reserved_ >= capacity_) return Reserve::kFull;
  ++reserved_;
  return Reserve::kOk;
}

void BlockingPool::post_reserved(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
}

bool BlockingPool::try_post(std::function<void()> task) {
  if (reserve() != Reserve::kOk) return false;
  post_reserved(std::move(task));
  return true;
}

void BlockingPool::on_space(std::function<void()> wake) {
  std::unique_lock lock(mu_);
  if (stopping_) {
    lock.unlock();
    wake();
    return;
  }
  space_waiters_.push_back(std::move(wake));
}

size_t BlockingPool::queued() const {
  std::lock_guard lock(mu_);
  return tasks_.size();
}

void BlockingPool::worker() {
  while (true) {
    std::function<void()> task;
    std::vector<std::function<void()>> waiters;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // stopping and drained
      task = std::move(tasks_.front());
      tasks_.pop_front();
      --reserved_;
      waiters.swap(space_waiters_);
    }
    for (auto& w : waiters) w();
    try {
      task();
    } catch (const std::exception& e) {
      // run() catches its own; a try_post() task must not end the thread.
      spdlog::error("blocking-work task failed: {}", e.what());
    }
  }
}

}  // namespace fjord
