// BlockingPool runs the broker's blocking file work (fsync, file reads that are not sendfile,
// partition writer-lock work) off the event loops: a few threads (num.io.threads) and a bounded
// queue (queued.max.requests). A handler writes
//     Result<void> r = co_await broker.blocking().run([&] { return log.flush(); });
// the function runs on a pool thread and the coroutine resumes on its own executor (its
// connection's event loop) with the function's result. When the queue is full the coroutine
// waits for a free slot without blocking its loop (woken by the pool, not by polling), which
// holds back that connection's reads: Kafka's back-pressure of queued.max.requests.
//
// Thread-safety: run()/try_post() from any thread. stop() runs what is queued, then joins.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/awaitable.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <vector>

namespace fjord {

class BlockingPool {
 public:
  BlockingPool(size_t threads, size_t capacity);
  ~BlockingPool();
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  // Runs the queued tasks, then joins the threads. Later submissions fail.
  void stop();

  // Queues `task`; false when the queue is full or the pool stopped.
  bool try_post(std::function<void()> task);

  // Runs fn() on a pool thread and resumes the caller on its executor with the result.
  // An exception thrown by fn is rethrown in the caller. Throws std::runtime_error when the
  // pool has stopped.
  template <typename F>
  asio::awaitable<std::invoke_result_t<F&>> run(F fn);

  size_t threads() const { return threads_.size(); }
  size_t capacity() const { return capacity_; }
  size_t queued() const;

 private:
  enum class Reserve { kOk, kFull, kStopped };
  Reserve reserve();                       // takes a queue slot
  void post_reserved(std::function<void()> task);  // uses a slot taken by reserve()
  // Calls wake (on a pool thread) the next time a slot frees up or the pool stops.
  void on_space(std::function<void()> wake);
  void worker();

  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  size_t reserved_ = 0;  // slots taken: queued tasks plus reservations not yet posted
  std::vector<std::function<void()>> space_waiters_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

template <typename F>
asio::awaitable<std::invoke_result_t<F&>> BlockingPool::run(F fn) {
  using R = std::invoke_result_t<F&>;
  static_assert(!std::is_void_v<R>, "return a value (Result<void>, ErrorCode) from pool work");
  auto executor = co_await asio::this_coro::executor;
  while (true) {
    Reserve r = reserve();
    if (r == Reserve::kOk) break;
    if (r == Reserve::kStopped) throw std::runtime_error("the blocking-work pool has stopped");
    auto timer = std::make_shared<asio::steady_timer>(executor,
                                                      asio::steady_timer::time_point::max());
    std::weak_ptr<asio::steady_timer> weak = timer;
    on_space([weak, executor] {
      asio::post(executor, [weak] {
        if (auto t = weak.lock()) t->cancel();
      });
    });
    // A slot may have freed between the failed reservation and the registration.
    r = reserve();
    if (r == Reserve::kOk) break;
    (void)co_await timer->async_wait(asio::experimental::as_tuple(asio::use_awaitable));
  }
  std::optional<R> result = co_await asio::async_initiate<decltype(asio::use_awaitable),
                                                          void(std::exception_ptr, std::optional<R>)>(
      [this, &fn](auto handler) {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        post_reserved([h, fn = std::move(fn)]() mutable {
          std::exception_ptr error;
          std::optional<R> value;
          try {
            value.emplace(fn());
          } catch (...) {
            error = std::current_exception();
          }
          auto ex = asio::get_associated_executor(*h);
          asio::post(ex, [h, error, value = std::move(value)]() mutable {
            (*h)(error, std::move(value));
          });
        });
      },
      asio::use_awaitable);
  co_return std::move(*result);
}

}  // namespace fjord
