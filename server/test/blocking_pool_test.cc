// BlockingPool: work runs on a pool thread and the coroutine resumes on its own event loop;
// a full queue makes the caller wait (not fail) until a slot frees; errors come back; a
// stopped pool refuses work.
#include "server/blocking_pool.h"

#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <atomic>
#include <chrono>
#include <future>
#include <thread>

namespace fjord {
namespace {

// Runs the io_context until `done` or a bounded timeout; returns whether `done` was reached.
bool run_until(asio::io_context& io, const std::atomic<bool>& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done && std::chrono::steady_clock::now() < deadline) {
    io.run_for(std::chrono::milliseconds(10));
    io.restart();
  }
  return done;
}

TEST(BlockingPoolTest, RunsOffTheLoopAndResumesOnIt) {
  BlockingPool pool(2, 8);
  asio::io_context io;
  std::atomic<bool> done{false};
  std::thread::id loop_thread, work_thread, resumed_thread;
  int result = 0;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        loop_thread = std::this_thread::get_id();
        result = co_await pool.run([&] {
          work_thread = std::this_thread::get_id();
          return 42;
        });
        resumed_thread = std::this_thread::get_id();
        done = true;
      },
      asio::detached);
  ASSERT_TRUE(run_until(io, done));
  EXPECT_EQ(result, 42);
  EXPECT_NE(work_thread, loop_thread);
  EXPECT_EQ(resumed_thread, loop_thread);
}

TEST(BlockingPoolTest, AFullQueueMakesTheCallerWaitForASlot) {
  BlockingPool pool(1, 1);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  // The only thread is busy, the only slot is taken: the queue is full.
  ASSERT_TRUE(pool.try_post([&, released] {
    started.set_value();
    released.wait();
  }));
  started.get_future().wait();
  ASSERT_TRUE(pool.try_post([] {}));
  EXPECT_FALSE(pool.try_post([] {}));

  asio::io_context io;
  std::atomic<bool> done{false};
  std::atomic<bool> ran{false};
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await pool.run([&] {
          ran = true;
          return 0;
        });
        done = true;
      },
      asio::detached);
  io.run_for(std::chrono::milliseconds(100));
  io.restart();
  EXPECT_FALSE(ran.load());  // still waiting for a slot, and the loop was not blocked
  release.set_value();
  ASSERT_TRUE(run_until(io, done));
  EXPECT_TRUE(ran.load());
}

TEST(BlockingPoolTest, ExceptionsReachTheCaller) {
  BlockingPool pool(1, 4);
  asio::io_context io;
  std::atomic<bool> done{false};
  std::string caught;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        try {
          (void)co_await pool.run([]() -> int { throw std::runtime_error("disk on fire"); });
        } catch (const std::exception& e) {
          caught = e.what();
        }
        done = true;
      },
      asio::detached);
  ASSERT_TRUE(run_until(io, done));
  EXPECT_EQ(caught, "disk on fire");
}

TEST(BlockingPoolTest, StopRunsQueuedWorkThenRefuses) {
  BlockingPool pool(1, 16);
  std::atomic<int> ran{0};
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(pool.try_post([&] { ++ran; }));
  pool.stop();
  EXPECT_EQ(ran.load(), 10);
  EXPECT_FALSE(pool.try_post([] {}));
  asio::io_context io;
  std::atomic<bool> done{false};
  bool threw = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        try {
          (void)co_await pool.run([] { return 1; });
        } catch (const std::runtime_error&) {
          threw = true;
        }
        done = true;
      },
      asio::detached);
  ASSERT_TRUE(run_until(io, done));
  EXPECT_TRUE(threw);
}

}  // namespace
}  // namespace fjord
