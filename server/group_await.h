// await_callback turns a callback-style call (the group coordinator answers JoinGroup and
// SyncGroup when the rebalance gets there, from whichever thread finishes it) into an
// awaitable: the handler's coroutine resumes on its own event loop, never on the caller's
// thread, and the loop is not blocked while it waits.
#pragma once

#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>
#include <functional>
#include <memory>

namespace fjord {

// start(callback) must arrange for callback(T) to be called exactly once.
template <typename T, typename Start>
asio::awaitable<T> await_callback(Start start) {
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
