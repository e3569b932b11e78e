#pragma once

#include <future>
#include <memory>

#include "flagmeter/services/reply.hpp"

namespace flagmeter::testing {

/// Calls `start(callback)` and waits for the Reply the callback gets, from
/// whatever thread gives it.
template <typename T, typename Start>
Reply<T> WaitForReply(Start start) {
  auto promise = std::make_shared<std::promise<Reply<T>>>();
  start([promise](Reply<T> reply) { promise->set_value(std::move(reply)); });
  return promise->get_future().get();
}

}  // namespace flagmeter::testing
