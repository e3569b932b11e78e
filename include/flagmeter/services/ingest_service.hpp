#pragma once

#include <functional>
#include <vector>

#include "flagmeter/core/event.hpp"
#include "flagmeter/core/status.hpp"

namespace flagmeter {

/// The ingest operations the HTTP layer calls for POST /api/events, once the
/// request is parsed and its caller may write to every tenant of it. Two
/// steps, so the caller decides how long it holds a client for the first one
/// and that nothing is queued once it gave up waiting. Implementations are
/// thread-safe and never block the caller.
class IngestService {
 public:
  using Done = std::function<void(const Status&)>;

  virtual ~IngestService() = default;

  /// Whether every tenant of `events` is known to exist: the usual case,
  /// answered from memory. Events of known tenants need no admission.
  virtual bool TenantsKnown(const std::vector<Event>& events) = 0;

  /// Makes sure the tenant of every event exists before its events are
  /// queued (API.md: "the tenant is created on its first event"). Calls
  /// `done` exactly once, on another thread or inline: Ok, FailedPrecondition
  /// (a tenant does not exist and may not be created; the message says why
  /// and what to do), Unavailable or Overloaded.
  virtual void AdmitTenants(const std::vector<Event>& events, Done done) = 0;

  /// Queues admitted events as one unit and counts them once queued. `done`
  /// is called exactly once, on another thread: Ok when the queue holds
  /// every event (the request's 201), Unavailable or Overloaded when not.
  virtual void Enqueue(const std::vector<Event>& events, Done done) = 0;
};

}  // namespace flagmeter
