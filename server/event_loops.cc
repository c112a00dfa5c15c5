#include "server/event_loops.h"

#include "log/file.h"

namespace fjord {

EventLoops::EventLoops(size_t count) {
  if (count == 0) count = 1;
  for (size_t i = 0; i < count; ++i) {
    // Concurrency hint 1: each context is driven by exactly one thread.
    loops_.push_back(std::make_unique<asio::io_context>(1));
  }
}

EventLoops::~EventLoops() { stop(); }

void EventLoops::start() {
  for (auto& loop : loops_) {
    guards_.emplace_back(loop->get_executor());
    threads_.emplace_back([ctx = loop.get()] {
      log::mark_event_loop_thread();
      ctx->run();
    });
  }
}

void EventLoops::stop() {
  guards_.clear();
  for (auto& loop : loops_) loop->stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

}  // namespace fjord
