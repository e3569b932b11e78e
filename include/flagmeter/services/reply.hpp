#pragma once

#include <functional>
#include <memory>
#include <utility>

#include "flagmeter/core/status.hpp"

namespace flagmeter {

/// The answer of a service call: shared, so one read can answer many
/// waiters, and cheap to hand from the thread that made it to the one that
/// waits for it.
template <typename T>
using Reply = std::shared_ptr<const Result<T>>;

/// Called exactly once with the Reply, on whatever thread made it.
template <typename T>
using ReplyCallback = std::function<void(Reply<T>)>;

template <typename T>
Reply<T> MakeReply(Result<T> result) {
  return std::make_shared<const Result<T>>(std::move(result));
}

}  // namespace flagmeter
