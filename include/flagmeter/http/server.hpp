#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "flagmeter/config/config.hpp"
#include "flagmeter/core/status.hpp"

namespace flagmeter {

template <typename Resource>
class WorkPool;
class BackgroundMonitor;
class DeadLetterStore;
class EventSink;
class HistoryService;
class IoPool;
class Metrics;
class UsageService;
struct TenantServices;

/// The thread of the admin API's dead-letter calls, with its own
/// DeadLetterStore (its own Valkey connection), so a listing or a redrive
/// never waits behind a worker.
using DeadLetterPool = WorkPool<DeadLetterStore>;

/// What the HTTP layer calls into. All of them outlive the server.
struct ApiServices {
  EventSink& sink;
  UsageService& usage;
  const BackgroundMonitor& monitor;
  Metrics& metrics;
  std::size_t max_batch_events = 1000;
  const TenantServices* tenants = nullptr;  // null: no admin API (403) and no API keys
  HistoryService* history = nullptr;        // null: usage series and the dashboard data answer 503
  DeadLetterPool* dead_letters = nullptr;    // null: the dead-letter routes answer 503
  int max_tenants_per_page = 500;           // MAX_TENANTS_PER_PAGE: largest `limit` of the paged tenant lists
};

/// Serves the HTTP API (HTTP/1.1 keep-alive and pipelining, HTTP/1.0) on the
/// io threads of an IoPool that the caller runs. Each connection is a
/// coroutine on one io thread. Thread-safe.
class Server final {
 public:
  Server(IoPool& io_pool, HttpConfig config, ApiServices services);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds and listens; Unavailable (naming the address) when that fails.
  Status Listen();

  /// The bound port (useful when PORT is 0 in tests).
  std::uint16_t port() const;

  /// Starts accepting; call after Listen.
  void Start();

  /// Stops accepting, lets each connection finish the request it is serving
  /// and closes idle ones. Returns when no connection is left or at
  /// `deadline`; the io threads must keep running meanwhile.
  void Shutdown(std::chrono::steady_clock::time_point deadline);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flagmeter
