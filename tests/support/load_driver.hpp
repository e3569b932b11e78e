#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "flagmeter/core/status.hpp"
#include "flagmeter/queue/valkey_connection.hpp"
#include "support/http_client.hpp"

namespace flagmeter::test {

class TestValkey;

/// What a LoadDriver sends. Tenants come in two kinds: those whose events
/// always carry a client id (a lost answer is resolved by re-sending the same
/// request, as an idempotent client does) and those whose events never do
/// (the server makes the id, so a lost answer leaves the event in doubt).
struct LoadOptions {
  std::vector<int> ports;           // flagmeter HTTP ports; requests go round-robin over them
  std::string tenant_prefix;        // unique per test, so totals start at 0
  int threads = 4;                  // client threads, each with its own connections
  int tenants_with_ids = 3;         // tenants "<prefix>-id-<n>"
  int tenants_without_ids = 2;      // tenants "<prefix>-anon-<n>"
  int features = 3;                 // features "f<n>"
  int batch_percent = 25;           // share of requests that are batches (2..max_batch events)
  int max_batch = 20;
  int pause_ms = 2;                 // between two requests of a thread
  int failure_pause_ms = 25;        // after a request that got no 201 (keeps an outage cheap)
  std::uint64_t seed = 0;           // 0: a random seed (see LoadDriver::seed())
  // Who answers on `ports`: kOther behind a load balancer, whose own answers
  // (502 while a backend dies) are not flagmeter's to check against OpenAPI.
  Peer peer = Peer::kFlagMeter;
};

/// Per tenant: what the clients know about their events.
struct TenantTally {
  bool with_ids = false;
  std::int64_t acknowledged_tokens = 0;  // sum over events answered 201
  std::int64_t acknowledged_events = 0;
  std::int64_t in_doubt_tokens = 0;      // no answer or a 5xx, never answered 201 since
};

/// The outcome of a run, for assertions and failure messages.
struct LoadReport {
  std::map<std::string, TenantTally> tenants;
  /// Requests by phase (LoadDriver::SetPhase at the time they were sent), then by
  /// HTTP status (0: no answer).
  std::map<std::string, std::map<int, std::int64_t>> statuses;
  std::int64_t resent_requests = 0;

  /// Requests answered `status` in `phase`.
  std::int64_t Count(const std::string& phase, int status) const;
  /// Requests of any phase answered with a status in [low, high].
  std::int64_t CountRange(int low, int high) const;
  std::string Summary() const;
};

/// A small concurrent client for fault tests: `threads` threads post valid
/// events with random tenants, features and tokens, some as batches, until
/// Stop(), and tally per tenant the tokens acknowledged with 201. An event
/// that got no answer or a non-201 is not acknowledged. Thread-safe.
class LoadDriver final {
 public:
  explicit LoadDriver(LoadOptions options);
  ~LoadDriver();  // stops the threads
  LoadDriver(const LoadDriver&) = delete;
  LoadDriver& operator=(const LoadDriver&) = delete;

  void Start();
  /// Stops sending and joins the threads. Blocking until in-flight requests end.
  void Stop();
  /// Names the period that requests sent from now on are counted in.
  void SetPhase(const std::string& phase);

  /// After Stop(): re-sends, one by one, each request of tenants with ids
  /// that got no 201, until it gets one or `timeout` passes; what is still
  /// unanswered then stays in doubt. Their answers count in phase "settle".
  /// Blocking.
  void Settle(std::chrono::milliseconds timeout);

  /// Events acknowledged so far.
  std::int64_t acknowledged_events() const { return acknowledged_events_.load(); }
  LoadReport Report() const;
  std::vector<std::string> tenants() const;
  std::uint64_t seed() const { return seed_; }

  /// One request as sent (defined in load_driver.cpp).
  struct Pending;

 private:
  void Run(int index);
  void Record(const std::string& phase, int status, Pending& request, bool resend);

  const LoadOptions options_;
  const std::uint64_t seed_;
  std::atomic<bool> stop_{false};
  std::atomic<std::int64_t> acknowledged_events_{0};
  std::vector<std::thread> threads_;

  mutable std::mutex mu_;  // guards everything below
  std::string phase_ = "load";
  LoadReport report_;
  std::vector<std::unique_ptr<Pending>> unanswered_;  // with-id requests without a 201
};

/// Where to look for waiting and claimed events.
struct DrainProbe {
  std::vector<int> ports;         // every flagmeter process sharing the queue
  TestValkey* valkey = nullptr;   // the queue's server
  ValkeyConnection* cluster = nullptr;  // or a client of the queue's Valkey Cluster
  std::string queue = "events";   // QUEUE_NAME
  int shards = 1;                 // QUEUE_SHARDS: every shard's lists are looked at
  bool hash_tags = false;         // the keys' hash tags, as on a cluster (QueueConfig::hash_tags)
};

/// Waits until the queue is drained: each process reports
/// flagmeter_queue_depth 0 and flagmeter_queue_inflight 0 on /metrics, Valkey
/// holds no waiting event and no claimed batch (of live or dead consumers),
/// and two reads of GET /api/usage, 1 s apart, agree. Returns totalTokens per
/// tenant (0 for a tenant never seen), or why it did not drain. Blocking.
Result<std::map<std::string, std::int64_t>> WaitForDrain(const DrainProbe& probe,
                                                         const std::vector<std::string>& tenants,
                                                         std::chrono::milliseconds timeout);

/// "" when `counted` (totalTokens per tenant) is exact for `report`: equal to
/// the acknowledged tokens for tenants with ids, and for tenants without ids
/// at least that and at most that plus the tokens in doubt. Otherwise a table
/// of acknowledged, in-doubt and counted tokens per tenant.
std::string CheckAccounting(const LoadReport& report, const std::map<std::string, std::int64_t>& counted);

/// The table CheckAccounting prints, for logging a passing run too.
std::string AccountingTable(const LoadReport& report, const std::map<std::string, std::int64_t>& counted);

}  // namespace flagmeter::test
