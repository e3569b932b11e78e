#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "flagmeter/core/status.hpp"

namespace flagmeter {

/// One Valkey node: host and port.
struct ValkeyNodeAddress {
  std::string host;
  int port = 6379;
  bool operator==(const ValkeyNodeAddress&) const = default;
};

/// Where Valkey (or Redis 7) listens, parsed from VALKEY_URL: one server
/// (redis://[[user]:password@]host[:port][/db]) or a Valkey Cluster
/// (redis+cluster://[[user]:password@]host:port[,host:port...], db 0 only).
struct ValkeyEndpoint {
  std::string host = "localhost";  // the server, or the first seed node
  int port = 6379;
  int db = 0;
  std::string password;  // empty: no AUTH (the same on every cluster node)
  std::vector<ValkeyNodeAddress> cluster_seeds;  // empty: one server; else every seed, in URL order
  int cluster_max_redirects = 5;       // VALKEY_CLUSTER_MAX_REDIRECTS: MOVED/ASK followed per call, at most
  int cluster_retry_budget_ms = 2000;  // VALKEY_CLUSTER_RETRY_MS: pauses on TRYAGAIN/CLUSTERDOWN per call, in all

  /// True for a redis+cluster:// URL: commands are routed by key slot.
  bool cluster() const { return !cluster_seeds.empty(); }
};

struct HttpConfig {
  std::string bind_address = "0.0.0.0";
  std::uint16_t port = 3000;              // PORT
  std::size_t max_body_bytes = 1048576;   // MAX_BODY_BYTES: larger bodies get 413
  int io_threads = 2;                     // IO_THREADS: threads running the io_context
  std::size_t max_header_bytes = 16384;   // MAX_HEADER_BYTES: larger request heads get 431
  std::size_t max_connections = 10000;    // MAX_CONNECTIONS: more are closed at once
  int idle_timeout_ms = 60000;            // HTTP_IDLE_TIMEOUT_MS: a kept-alive connection with no request
  int request_timeout_ms = 10000;         // HTTP_REQUEST_TIMEOUT_MS: to receive a whole request once it began
};

struct QueueConfig {
  ValkeyEndpoint valkey;                   // VALKEY_URL
  std::string name = "events";             // QUEUE_NAME: the Valkey list
  std::int64_t max_depth = 1000000;        // MAX_QUEUE_DEPTH: above it POST answers 503
  std::int64_t dead_letter_max = 100000;   // DEAD_LETTER_MAX: entries kept in Q:dead; the oldest beyond it are dropped
  int lease_ms = 30000;                    // QUEUE_LEASE_MS: a silent consumer's batch is put back after this
  int connect_timeout_ms = 1000;           // time allowed to (re)connect to Valkey
  int shards = 1;                          // QUEUE_SHARDS: lists the queue is split into, by tenant (queue_shards.hpp)
  bool hash_tags = false;                  // keys carry a hash tag even with one shard; set in cluster mode
  int min_replicas_ack = 0;                // VALKEY_MIN_REPLICAS_ACK: replicas that must confirm a push (WAIT)
  int replica_ack_timeout_ms = 1000;       // VALKEY_REPLICA_ACK_TIMEOUT_MS: how long a push waits for them (1..2000,
                                           // under the connection's 3 s command timeout)
  int push_linger_us = 1000;               // PUSH_LINGER_US: under load, how long the pusher gathers events for a call
};

struct WorkerConfig {
  int concurrency = 2;                     // WORKER_CONCURRENCY: worker threads
  std::size_t max_batch_size = 2000;       // BATCH_SIZE: events per transaction, at most
  int idle_poll_ms = 10;                   // wait between claims when the queue is empty
  int linger_ms = 50;                      // BATCH_LINGER_MS: wait after a partial batch, so batches grow
};

struct StoreConfig {
  std::string database_url = "postgres://flagmeter@localhost:5432/flagmeter";  // DATABASE_URL
  std::string database_read_url;            // DATABASE_READ_URL: a hot standby for reads; empty: reads on the primary
  int max_read_lag_ms = 5000;              // MAX_READ_LAG_MS: standby lag beyond which reads go to the primary
  int idempotency_window_days = 62;        // IDEMPOTENCY_WINDOW_DAYS: how far back an event's timestamp may lie
  std::optional<int> raw_event_retention_days;  // RAW_EVENT_RETENTION_DAYS: unset = the idempotency window
  int raw_event_partition_days = 31;       // RAW_EVENT_PARTITION_DAYS: days per new raw-event partition
  int ledger_move_batch = 10000;           // LEDGER_MOVE_BATCH: rows per transaction moved to the partitioned ledger
  bool commit_per_tenant = false;          // COMMIT_PER_TENANT: one commit statement per tenant of a batch (Citus)

  /// Days a raw event is kept at least (its partition goes once its last day is older).
  int RawEventRetentionDays() const { return raw_event_retention_days.value_or(idempotency_window_days); }
  int usage_readers = 2;                   // USAGE_READERS: threads (and connections) serving usage reads
  int history_readers = 2;                 // HISTORY_READERS: threads (and connections) serving history/dashboard
  int usage_cache_ms = 250;                // USAGE_CACHE_MS: how long a usage answer may be reused
  std::size_t usage_max_features = 100;    // USAGE_MAX_FEATURES: features a usage answer lists; the rest are summed
  std::size_t usage_read_queue = 1000;     // USAGE_READ_QUEUE: usage reads waiting for a thread; more answer 503
  std::size_t history_read_queue = 1000;   // HISTORY_READ_QUEUE: history/dashboard reads waiting; more answer 503
};

struct TenantsConfig {
  std::string admin_token;                 // ADMIN_TOKEN: empty = the admin API answers 403
  bool require_api_keys = false;           // REQUIRE_API_KEYS: events and usage need a tenant's key
  int admin_threads = 2;                   // ADMIN_THREADS: threads (and connections) for admin calls
  std::size_t admin_queue = 1000;          // ADMIN_QUEUE: admin calls waiting for a thread; more get 503
  std::optional<bool> auto_create_tenants; // AUTO_CREATE_TENANTS: unset = !require_api_keys (see AutoCreate)
  std::int64_t max_tenants = 100000;       // MAX_TENANTS: no automatic creation beyond this many tenants
  std::size_t tenant_creation_queue = 1000;  // TENANT_CREATION_QUEUE: new names waiting; more get 503
  int max_tenants_per_page = 500;          // MAX_TENANTS_PER_PAGE: largest `limit` of GET /api/tenants and /api/dashboard
  int key_refresh_ms = 1000;               // API_KEY_REFRESH_MS: how often key changes are picked up
  std::size_t key_miss_cache = 100000;     // API_KEY_MISS_CACHE: unknown keys remembered; oldest forgotten
  std::size_t key_lookup_queue = 1000;     // API_KEY_LOOKUP_QUEUE: requests waiting for a look-up; more get 503

  /// Whether an event for an unknown tenant creates it.
  bool AutoCreate() const { return auto_create_tenants.value_or(!require_api_keys); }
};

struct AlertsConfig {
  std::string webhook_secret;              // WEBHOOK_SECRET: signs time, delivery id and body (HMAC-SHA256) when set
  int webhook_timeout_ms = 5000;           // WEBHOOK_TIMEOUT_MS: per try (DNS, connect, send, answer)
  int webhook_backoff_ms = 1000;           // WEBHOOK_BACKOFF_MS: wait before the 2nd try; doubles
  int senders = 2;                         // ALERT_SENDERS: threads sending webhooks
  int stale_claim_ms = 300000;             // ALERT_RETRY_AFTER_MS: a pending alert idle this long is re-sent
  int webhook_max_tries = 10;              // WEBHOOK_MAX_TRIES: tries per alert before it is marked failed
  int webhook_max_backoff_ms = 600000;     // WEBHOOK_MAX_BACKOFF_MS: the doubling wait stops growing here
  bool webhook_allow_private = false;      // WEBHOOK_ALLOW_PRIVATE: allow loopback/private/link-local targets
};

/// Everything the service is configured with, read once at start-up.
struct Config {
  HttpConfig http;
  QueueConfig queue;
  WorkerConfig worker;
  StoreConfig store;
  TenantsConfig tenants;
  AlertsConfig alerts;
  std::string log_level = "info";          // LOG_LEVEL: trace, debug, info, warn, error
  std::string log_format = "json";         // LOG_FORMAT: json or text
};

/// Reads the configuration from environment variables through `getenv`
/// (injectable for tests). InvalidArgument, with one line naming the
/// variable, for any bad value.
Result<Config> LoadConfig(const std::function<const char*(const char*)>& getenv);

/// The text of `flagmeter --help`: every variable, its default and meaning.
std::string ConfigHelp();

/// Parses a VALKEY_URL (redis:// or redis+cluster://).
Result<ValkeyEndpoint> ParseValkeyUrl(const std::string& url);

}  // namespace flagmeter
