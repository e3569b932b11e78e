#pragma once

#include <string>
#include <utility>

#include <spdlog/spdlog.h>

#include "flagmeter/core/status.hpp"
#include "store/pg_connection.hpp"

namespace flagmeter {

/// What a libpqxx exception means for the caller.
struct PgFailure {
  Status status;                 // message: "<operation>: <server or libpq message>"
  bool retryable = false;        // serialization failure or deadlock: rerun the transaction
  bool connection_lost = false;  // the connection is unusable: drop it
};

/// Classifies the exception being handled; call only inside a catch block.
/// Lost or refused connections, and server shutdown or overload, are
/// Unavailable; SQLSTATE classes 22 (data) and 23 (integrity) InvalidArgument;
/// serialization failures and deadlocks Unavailable and retryable; anything
/// else Internal.
PgFailure ClassifyCurrentException(const std::string& operation);

/// Runs `attempt` (a callable using `connection` and returning Result<T>),
/// turning every exception into a Status. Reruns it up to `max_retries` times
/// on serialization failures and deadlocks, and once at once when a connection
/// that had been open turns out broken (the server restarted or closed an idle
/// session). Only idempotent work may be passed. Blocking.
template <typename T, typename Attempt>
Result<T> RunWithRetries(PgConnection& connection, const std::string& operation, int max_retries,
                         Attempt&& attempt) {
  bool reconnected = false;
  for (int retries = 0;; ++retries) {
    const bool was_open = connection.IsOpen();
    try {
      return attempt();
    } catch (...) {
      PgFailure failure = ClassifyCurrentException(operation);
      if (failure.connection_lost) connection.Reset();
      const bool stale = failure.connection_lost && was_open && !reconnected;
      if (stale) {
        reconnected = true;
        spdlog::warn("{}; reconnecting and retrying once", failure.status.message());
        continue;
      }
      if (!failure.retryable) return failure.status;
      if (retries >= max_retries) {
        return failure.status.WithContext("gave up after " + std::to_string(retries + 1) +
                                          " attempts");
      }
      spdlog::warn("{}; retrying ({} of {})", failure.status.message(), retries + 1, max_retries);
    }
  }
}

}  // namespace flagmeter
