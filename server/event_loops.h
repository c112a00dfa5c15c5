// EventLoops is the broker's pool of event loops: one asio::io_context per thread, one thread
// per loop (DESIGN.md: one event loop per core). A connection lives on one loop for its whole
// life, so its state needs no locks. Blocking work never runs here.
#pragma once

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

namespace fjord {

class EventLoops {
 public:
  explicit EventLoops(size_t count);
  ~EventLoops();
  EventLoops(const EventLoops&) = delete;
  EventLoops& operator=(const EventLoops&) = delete;

  void start();
  // Stops the loops at once and joins their threads; drain connections first (Server does).
  void stop();

  size_t size() const { return loops_.size(); }
  asio::io_context& at(size_t i) { return *loops_[i]; }
  // Round-robin choice for a new connection.
  asio::io_context& next() { return *loops_[next_.fetch_add(1) % loops_.size()]; }

 private:
  using Guard = asio::executor_work_guard<asio::io_context::executor_type>;
  std::vector<std::unique_ptr<asio::io_context>> loops_;
  std::vector<Guard> guards_;
  std::vector<std::thread> threads_;
  std::atomic<size_t> next_{0};
};

}  // namespace fjord
