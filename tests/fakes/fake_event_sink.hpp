#pragma once

#include <atomic>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "flagmeter/queue/event_sink.hpp"

namespace flagmeter::fakes {

/// An EventSink that answers at once, on the calling thread: OK, or
/// Overloaded for a push that holds more than `max_events` events. Counts
/// what it accepted. Thread-safe.
class FakeEventSink final : public EventSink {
 public:
  explicit FakeEventSink(std::size_t max_events = 1000) : max_events_(max_events) {}

  void Push(std::vector<std::string> encoded_events, Callback done) override {
    if (encoded_events.size() > max_events_) {
      done(Status::Overloaded("fake sink: more than " + std::to_string(max_events_) + " events"));
      return;
    }
    accepted_.fetch_add(encoded_events.size());
    done(Status::Ok());
  }

  std::size_t accepted() const { return accepted_.load(); }

 private:
  const std::size_t max_events_;
  std::atomic<std::size_t> accepted_{0};
};

}  // namespace flagmeter::fakes
