#pragma once

#include <memory>
#include <utility>

#include <boost/asio/async_result.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "flagmeter/core/status.hpp"
#include "flagmeter/core/work_pool.hpp"

namespace flagmeter {

/// Awaits a callback-style operation that completes on some other thread
/// (the pusher, a query thread). `start(callback)` must call `callback(T)`
/// exactly once; the coroutine then resumes on its own executor, never on
/// the thread that called back.
template <typename T, typename Start>
boost::asio::awaitable<T> AwaitCallback(Start start) {
  auto initiation = [start = std::move(start)](auto handler) mutable {
    auto shared = std::make_shared<decltype(handler)>(std::move(handler));
    start([shared](T value) {
      auto executor = boost::asio::get_associated_executor(*shared);
      boost::asio::post(executor, [shared, value = std::move(value)]() mutable { (*shared)(std::move(value)); });
    });
  };
  co_return co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(T)>(
      std::move(initiation), boost::asio::use_awaitable);
}

/// Runs a copy of `work(resource)` on a thread of `pool`; the awaiting
/// coroutine resumes on its own executor with its Result, or with the
/// pool's refusal (full, stopping) or the failure of a job that threw. Not a
/// coroutine itself, and `work` is taken by reference: GCC 12 may destroy a
/// temporary with a non-trivial destructor twice when it sits in a co_await
/// expression.
template <typename T, typename Resource, typename Work>
boost::asio::awaitable<std::shared_ptr<const Result<T>>> RunOnPool(WorkPool<Resource>& pool, const Work& work) {
  using Shared = std::shared_ptr<const Result<T>>;
  return AwaitCallback<Shared>([&pool, work](auto done) {
    auto shared_done = std::make_shared<decltype(done)>(std::move(done));
    pool.Post(typename WorkPool<Resource>::Job{
        [work, shared_done](Resource& resource) { (*shared_done)(std::make_shared<const Result<T>>(work(resource))); },
        [shared_done](const Status& refused) { (*shared_done)(std::make_shared<const Result<T>>(refused)); }});
  });
}

}  // namespace flagmeter
