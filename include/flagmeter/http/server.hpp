#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "flagmeter/config/config.hpp"
#include "flagmeter/core/status.hpp"

namespace flagmeter {

class ApiKeyChecker;
class DeadLetterService;
class IngestService;
class IoPool;
class Metrics;
class QueryService;
class TenantAdminService;
struct HealthSnapshot;

/// Who may call what.
struct ApiAccess {
  std::string admin_token;        // ADMIN_TOKEN; empty: the admin API answers 403
  bool require_api_keys = false;  // REQUIRE_API_KEYS: the data routes need a key or the admin token
};

/// Bounds of what one request may ask for.
struct ApiLimits {
  std::size_t max_batch_events = 1000;  // events per POST
  int max_tenants_per_page = 500;       // MAX_TENANTS_PER_PAGE: largest `limit` of the paged tenant lists
  std::int64_t idempotency_window_ms = 62LL * 86'400'000;  // IDEMPOTENCY_WINDOW_DAYS: oldest timestamp accepted
};

/// What the HTTP layer calls into: the services' interfaces
/// (include/flagmeter/services), never a store, a queue or a thread pool.
/// All of them outlive the server.
struct ApiServices {
  IngestService& ingest;
  QueryService& queries;
  TenantAdminService& tenants;
  DeadLetterService& dead_letters;
  ApiKeyChecker& keys;
  std::function<HealthSnapshot()> health;  // the monitor's latest view; must not block
  Metrics& metrics;
  ApiAccess access;
  ApiLimits limits;
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
