// await_callback turns a callback-style call (the group coordinator answers JoinGroup and
// SyncGroup when the rebalance gets there, from whichever thread finishes it) into an
// awaitable: the handler's coroutine resumes on its own event loop, never on the caller's
// thread, and the loop is not blocked while it waits.
//
// `start` must be trivially destructible: capture by reference what it hands on (the awaiting
// coroutine's frame outlives the call of start, which happens inside the co_await). GCC 12
// miscompiles a temporary that is aggregate-initialised (a lambda with captures, a braced
// struct) and has a non-trivial destructor when it appears in a co_await operand: it copies
// the object bitwise into the coroutine frame, moves from the copy and destroys both, so the
// original still owns what was moved and frees it a second time. A lambda that captured an
// AlterPartitionRequest by value this way crashed the active controller (issue 7).
#pragma once

#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>
#include <functional>
#include <memory>
#include <type_traits>

namespace fjord {

// start(callback) must arrange for callback(T) to be called exactly once.
template <typename T, typename Start>
asio::awaitable<T> await_callback(Start start) {
  static_assert(std::is_trivially_destructible_v<Start>,
                "capture by reference: GCC 12 destroys owning captures of a lambda in a "
                "co_await operand twice (see group_await.h)");
  return asio::async_initiate<decltype(asio::use_awaitable), void(T)>(
      [start = std::move(start)](auto handler) mutable {
        using Handler = decltype(handler);
        auto shared = std::make_shared<Handler>(std::move(handler));
        auto executor = asio::get_associated_executor(*shared);
        start(std::function<void(T)>([shared, executor](T value) {
          asio::post(executor,
                     [shared, value = std::move(value)]() mutable { (*shared)(std::move(value)); });
        }));
      },
      asio::use_awaitable);
}

}  // namespace fjord
