#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace flagmeter {

/// Awaits a callback-style operation that completes on some other thread
/// (the pusher, a query thread). `start(callback)` must call `callback(T)`
/// exactly once; the coroutine then resumes on its own executor, never on
/// the thread that called back. Not a coroutine itself: the awaitable is
/// async_initiate's, so a request's push costs no frame of its own.
template <typename T, typename Start>
boost::asio::awaitable<T> AwaitCallback(Start start) {
  auto initiation = [start = std::move(start)](auto handler) mutable {
    auto shared = std::make_shared<decltype(handler)>(std::move(handler));
    start([shared](T value) {
      auto executor = boost::asio::get_associated_executor(*shared);
      boost::asio::post(executor, [shared, value = std::move(value)]() mutable { (*shared)(std::move(value)); });
    });
  };
  return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(T)>(std::move(initiation),
                                                                                   boost::asio::use_awaitable);
}

/// AwaitCallback for at most `timeout`: none when the callback has not come
/// by then (its later answer is dropped). The wait is a timer on the
/// coroutine's executor; the other thread only posts to it.
template <typename T, typename Start>
boost::asio::awaitable<std::optional<T>> AwaitCallbackWithin(std::chrono::steady_clock::duration timeout,
                                                             Start start) {
  namespace asio = boost::asio;
  // Written and read on the coroutine's executor only.
  struct Pending {
    Pending(const asio::any_io_executor& executor, std::chrono::steady_clock::duration timeout)
        : deadline(executor, timeout) {}
    asio::steady_timer deadline;
    std::optional<T> answer;
  };
  auto executor = co_await asio::this_coro::executor;
  auto pending = std::make_shared<Pending>(executor, timeout);
  start([pending, executor](T value) {
    asio::post(executor, [pending, value = std::move(value)]() mutable {
      pending->answer = std::move(value);
      pending->deadline.cancel();
    });
  });
  co_await pending->deadline.async_wait(asio::as_tuple(asio::use_awaitable));
  co_return std::move(pending->answer);
}

}  // namespace flagmeter
