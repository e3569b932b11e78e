#pragma once

#include <functional>
#include <string>
#include <vector>

#include "flagmeter/core/status.hpp"

namespace flagmeter {

/// Where accepted events go on their way to the store: the producer side of
/// the queue. Implementations are thread-safe and never block the caller.
class EventSink {
 public:
  using Callback = std::function<void(Status)>;

  virtual ~EventSink() = default;

  /// Queues `encoded_events` (see queue/event_codec.hpp) as one unit: all or
  /// none. `done` is called exactly once, on an arbitrary thread: Ok once the
  /// queue has acknowledged every event; Unavailable when it cannot be
  /// reached; Overloaded when more than the configured depth is waiting.
  virtual void Push(std::vector<std::string> encoded_events, Callback done) = 0;
};

}  // namespace flagmeter
