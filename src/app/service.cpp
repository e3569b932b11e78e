#include "flagmeter/app/service.hpp"

#include <chrono>
#include <cstddef>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include "flagmeter/alerts/alert_monitor.hpp"
#include "flagmeter/app/runtime_budget.hpp"
#include "flagmeter/alerts/alert_sender.hpp"
#include "flagmeter/alerts/commit_notifier.hpp"
#include "flagmeter/alerts/webhook_address_policy.hpp"
#include "flagmeter/core/thread_health.hpp"
#include "flagmeter/core/work_pool.hpp"
#include "flagmeter/http/io_pool.hpp"
#include "flagmeter/http/server.hpp"
#include "flagmeter/metrics/metrics.hpp"
#include "flagmeter/monitor/background_monitor.hpp"
#include "flagmeter/query/history_service.hpp"
#include "flagmeter/query/usage_service.hpp"
#include "flagmeter/queue/lease_reaper.hpp"
#include "flagmeter/queue/queue_layout.hpp"
#include "flagmeter/queue/queue_reaper.hpp"
#include "flagmeter/queue/valkey_dead_letter_store.hpp"
#include "flagmeter/queue/valkey_mode_check.hpp"
#include "flagmeter/queue/valkey_pusher.hpp"
#include "flagmeter/queue/valkey_queue.hpp"
#include "flagmeter/services/pooled_dead_letter_service.hpp"
#include "flagmeter/services/pooled_query_service.hpp"
#include "flagmeter/services/pooled_tenant_admin.hpp"
#include "flagmeter/services/queueing_ingest_service.hpp"
#include "flagmeter/store/ledger_maintenance.hpp"
#include "flagmeter/store/migrations.hpp"
#include "flagmeter/store/pg_event_store.hpp"
#include "flagmeter/store/pg_replica_lag.hpp"
#include "flagmeter/store/pg_usage_reader.hpp"
#include "flagmeter/store/read_route.hpp"
#include "flagmeter/store/routed_readers.hpp"
#include "flagmeter/store/tenant_pg_stores.hpp"
#include "flagmeter/store/usage_history.hpp"
#include "flagmeter/tenants/key_registry.hpp"
#include "flagmeter/tenants/tenant_creator.hpp"
#include "flagmeter/tenants/tenant_directory.hpp"
#include "flagmeter/worker/worker_pool.hpp"

namespace flagmeter {
namespace {

// PostgreSQL may still be starting (docker compose, a reboot): wait for it
// rather than fail at once.
constexpr int kMigrationAttempts = 60;
constexpr auto kMigrationRetryDelay = std::chrono::seconds(1);
// Shutdown budget: requests, then workers, within the 10 s operators expect.
constexpr auto kRequestDrainTime = std::chrono::seconds(4);
constexpr auto kWorkerDrainTime = std::chrono::seconds(4);
// The admin API's dead-letter calls are operators' calls, a few at a time.
constexpr std::size_t kDeadLetterCallQueue = 100;
// Open dashboards share one snapshot this long (they refresh every 5 s).
constexpr auto kDashboardSnapshotTtl = std::chrono::milliseconds(1000);

Status Migrate(const std::string& database_url) {
  Status status;
  for (int attempt = 1; attempt <= kMigrationAttempts; ++attempt) {
    status = ApplyMigrations(database_url, EmbeddedMigrations());
    if (status.ok() || status.code() != Status::Code::kUnavailable) return status;
    spdlog::warn("start-up: database not ready (attempt {}/{}): {}", attempt, kMigrationAttempts, status.ToString());
    std::this_thread::sleep_for(kMigrationRetryDelay);
  }
  return status;
}

// Refuses a QUEUE_SHARDS that does not match the events already queued
// (queue_layout.hpp). Valkey may still be starting, as PostgreSQL may.
Status CheckLayout(const QueueConfig& queue) {
  ValkeyConnection connection(queue.valkey, queue.connect_timeout_ms);
  Status status;
  for (int attempt = 1; attempt <= kMigrationAttempts; ++attempt) {
    status = CheckQueueLayout(queue, connection);
    if (status.ok() || status.code() != Status::Code::kUnavailable) return status;
    spdlog::warn("start-up: Valkey not ready (attempt {}/{}): {}", attempt, kMigrationAttempts, status.ToString());
    std::this_thread::sleep_for(kMigrationRetryDelay);
  }
  return status;
}

// Every part of the running service, declared in the order they are built
// (each from the ones above it) and so destroyed in reverse. Start and Stop
// order their threads; the table of threads and connections is
// RuntimeBudget (docs/architecture.md).
class Service final {
 public:
  explicit Service(const Config& config) : config_(config) {
    metrics_.WatchThreads(&threads_);
    alert_sender_.OnRetryScheduled([this](std::chrono::milliseconds delay) { alert_monitor_.RetryScheduled(delay); });
  }

  Status Listen() { return server_.Listen(); }

  void Start() {
    pusher_.Start();
    usage_.Start();
    history_.Start();
    monitor_.Start();
    admin_.Start();
    dead_letters_.Start();
    keys_.Start();
    creator_.Start();
    alert_sender_.Start();
    alert_monitor_.Start();
    // Its first reap puts back what consumers of a previous run left behind.
    lease_reaper_.Start();
    ledger_.Start();
    workers_.Start();
    server_.Start();
    // The io threads: they run every connection and never block on Valkey
    // or PostgreSQL (the pusher, query and worker threads do that).
    io_pool_.Start();
    LogStarted();
  }

  // Blocks until SIGINT or SIGTERM.
  void WaitForSignal() {
    std::promise<int> received;
    signals_.async_wait([&received](const boost::system::error_code& ec, int signal) {
      received.set_value(ec ? 0 : signal);
    });
    spdlog::info("shutdown: signal {} received", received.get_future().get());
  }

  // Stops taking requests, lets them finish, lets the workers commit or hand
  // back their batches, then stops the rest.
  void Stop() {
    server_.Shutdown(std::chrono::steady_clock::now() + kRequestDrainTime);
    pusher_.Stop();
    workers_.Stop(std::chrono::steady_clock::now() + kWorkerDrainTime);
    lease_reaper_.Stop();
    ledger_.Stop();
    // After the workers: their last commits may still report tenants.
    alert_monitor_.Stop();
    alert_sender_.Stop();
    creator_.Stop();
    keys_.Stop();
    admin_.Stop();
    dead_letters_.Stop();
    monitor_.Stop();
    usage_.Stop();
    history_.Stop();
    io_pool_.Stop();
  }

 private:
  void LogStarted() const {
    spdlog::info("flagmeter serving on {}:{} ({} io threads, {} workers)", config_.http.bind_address, server_.port(),
                 config_.http.io_threads, config_.worker.concurrency);
    spdlog::info("runtime: {}", RuntimeBudgetLine(RuntimeBudget(config_)));
    spdlog::info(
        "tenants: {} admin threads (queue {}), 1 key thread (look-up queue {}, miss cache {}), 1 creation thread "
        "(queue {}; automatic creation {}, at most {} tenants)",
        config_.tenants.admin_threads, config_.tenants.admin_queue, config_.tenants.key_lookup_queue,
        config_.tenants.key_miss_cache, config_.tenants.tenant_creation_queue,
        config_.tenants.AutoCreate() ? "on" : "off", config_.tenants.max_tenants);
    if (!standby().empty()) {
      spdlog::info(
          "reads: usage, history, dashboard and tenant-list reads on the standby of DATABASE_READ_URL while it lags "
          "at most {} ms (checked every second by the monitor thread), else on the primary; {} more connections, "
          "to the standby",
          config_.store.max_read_lag_ms,
          config_.store.usage_readers + config_.store.history_readers + config_.tenants.admin_threads + 1);
    }
  }

  const std::string& database() const { return config_.store.database_url; }
  // The hot standby for the reads that may lag (DATABASE_READ_URL); none: the primary.
  const std::string& standby() const { return config_.store.database_read_url; }
  std::unique_ptr<TenantStore> NewTenantStore() const { return std::make_unique<PgTenantStore>(database()); }

  // Readers for the reads that may lag: on the standby while read_route_
  // says so. Without a standby, the primary's alone.
  std::unique_ptr<UsageReader> NewUsageReader() {
    auto primary = std::make_unique<PgUsageReader>(database(), config_.store.usage_max_features);
    if (standby().empty()) return primary;
    return std::make_unique<RoutedUsageReader>(
        std::move(primary), std::make_unique<PgUsageReader>(standby(), config_.store.usage_max_features), read_route_);
  }
  std::unique_ptr<UsageHistoryReader> NewHistoryReader() {
    auto primary = std::make_unique<PgUsageHistory>(database());
    if (standby().empty()) return primary;
    return std::make_unique<RoutedUsageHistory>(std::move(primary), std::make_unique<PgUsageHistory>(standby()),
                                                read_route_);
  }
  // The admin threads': only the tenant list may lag.
  std::unique_ptr<TenantStore> NewAdminStore() {
    if (standby().empty()) return NewTenantStore();
    return std::make_unique<RoutedTenantStore>(NewTenantStore(), std::make_unique<PgTenantStore>(standby()),
                                               read_route_);
  }

  Status CheckWebhookUrl(const std::string& url) const {
    Result<WebhookUrl> parsed = ParseWebhookUrl(url);
    if (!parsed.ok()) return parsed.status();
    return CheckWebhookDestination(*parsed, config_.alerts.webhook_allow_private,
                                   std::chrono::milliseconds(config_.alerts.webhook_timeout_ms));
  }

  const Config& config_;
  Metrics metrics_;
  // Every supervised thread group reports here: /api/health and /metrics read it.
  ThreadHealth threads_;
  // Where the reads that may lag go: set by the monitor thread's standby
  // check (check_read_replica below), read by the query and admin threads.
  ReadRoute read_route_{std::chrono::milliseconds(config_.store.max_read_lag_ms), &metrics_};
  ValkeyPusher pusher_{config_.queue, &threads_};
  UsageService usage_{
      config_.store.usage_readers, config_.store.usage_cache_ms,
      [this] { return NewUsageReader(); },
      config_.store.usage_read_queue, &threads_};
  // History and the dashboard: threads and connections of their own.
  HistoryService history_{config_.store.history_readers, kDashboardSnapshotTtl,
                          [this] { return NewHistoryReader(); },
                          config_.store.history_read_queue, nullptr, &threads_};
  TenantCreator creator_{{.auto_create = config_.tenants.AutoCreate(),
                          .max_tenants = config_.tenants.max_tenants,
                          .max_queued = config_.tenants.tenant_creation_queue},
                         [this] { return NewTenantStore(); },
                         &threads_};
  // Whether a tenant exists: room for every tenant events may create, and as
  // many made by operators. A usage read's cached "not found" goes once the
  // tenant exists.
  TenantDirectory tenant_directory_{static_cast<std::size_t>(2 * config_.tenants.max_tenants), &creator_,
                                    [this](const std::vector<std::string>& names) {
                                      for (const std::string& name : names) usage_.ForgetMissing(name);
                                    }};
  QueueingIngestService ingest_{tenant_directory_, pusher_, metrics_};
  PooledQueryService queries_{usage_, history_};
  // Alerts: the workers report committed tenants to the monitor (a set
  // insert, after the commit), which claims crossings and hands them to the
  // sender threads.
  AlertSender alert_sender_{
      config_.alerts, [this] { return std::make_unique<PgTenantAlertStore>(database()); }, metrics_, &threads_};
  AlertMonitor alert_monitor_{config_.alerts, std::make_unique<PgTenantAlertStore>(database()), alert_sender_,
                              &threads_};
  WorkerPool workers_{config_.worker, [this] { return std::make_unique<ValkeyQueue>(config_.queue); },
                      [this] {
                        return std::make_unique<CommitNotifier>(
                            std::make_unique<PgEventStore>(database(), &tenant_directory_.known(),
                                                           config_.store.idempotency_window_days,
                                                           config_.store.commit_per_tenant
                                                               ? CommitStatements::kOnePerTenant
                                                               : CommitStatements::kOnePerBatch),
                            [this](const std::vector<std::string>& tenants) { alert_monitor_.TenantsChanged(tenants); });
                      },
                      metrics_, WorkerRetryPolicy(), &threads_};
  AdminPool admin_{WorkPoolOptions{.group = ThreadGroup::kAdmin,
                                   .name = "admin",
                                   .threads = config_.tenants.admin_threads,
                                   .max_queued = config_.tenants.admin_queue,
                                   .queue_setting = "ADMIN_QUEUE",
                                   .health = &threads_},
                   [this] { return NewAdminStore(); }};
  KeyRegistry keys_{std::chrono::milliseconds(config_.tenants.key_refresh_ms), [this] { return NewTenantStore(); },
                    config_.tenants.key_miss_cache, config_.tenants.key_lookup_queue, &threads_};
  PooledTenantAdmin tenant_admin_{
      admin_, keys_, [this](const std::string& tenant) { alert_monitor_.TenantsChanged({tenant}); },
      [this](const std::string& url) { return CheckWebhookUrl(url); }};
  // Each owned by the monitor thread once started.
  std::shared_ptr<QueueReaper> depth_probe_ = std::make_shared<QueueReaper>(config_.queue);
  std::shared_ptr<PgUsageReader> health_reader_ = std::make_shared<PgUsageReader>(database());
  std::shared_ptr<ValkeyDeadLetterStore> dead_letter_counter_ = std::make_shared<ValkeyDeadLetterStore>(config_.queue);
  std::shared_ptr<PgReplicaLag> standby_lag_ =
      standby().empty() ? nullptr : std::make_shared<PgReplicaLag>(standby());
  BackgroundMonitor monitor_{
      MonitorProbes{
          .queue_depth = [probe = depth_probe_] { return probe->QueueDepth(); },
          .ping_database = [reader = health_reader_] { return reader->Ping(); },
          .inflight = [this] { return workers_.Inflight(); },
          .dead_letters = [counter = dead_letter_counter_] { return counter->Count(); },
          .check_read_replica = standby_lag_ == nullptr ? std::function<void()>()
                                                        : [this, lag = standby_lag_] {
                                                            read_route_.Observe(lag->Measure());
                                                          },
      },
      metrics_, std::chrono::seconds(1), &threads_};
  // Puts back the batches of consumers whose lease ran out: a thread and a
  // Valkey connection of its own (a new one when its thread restarts).
  LeaseReaper lease_reaper_{[this] { return ValkeyLeaseReap(config_.queue); }, LeaseReaper::kDefaultPeriod,
                            &threads_};
  // Raw-event partitions ahead, retention behind, the ledger clock and the
  // move of an unpartitioned ledger: a thread and a PostgreSQL connection of
  // its own; instances take turns (advisory lock).
  LedgerMaintenance ledger_{database(),
                            LedgerOptions{.retention_days = config_.store.RawEventRetentionDays(),
                                          .partition_days = config_.store.raw_event_partition_days,
                                          .move_batch = config_.store.ledger_move_batch},
                            metrics_, LedgerMaintenance::kDefaultPeriod, &threads_};
  // The admin API's dead-letter calls: one thread, its own Valkey connection.
  DeadLetterPool dead_letters_{WorkPoolOptions{.group = ThreadGroup::kDeadLetters,
                                               .name = "deadletters",
                                               .threads = 1,
                                               .max_queued = kDeadLetterCallQueue,
                                               .queue_setting = {},  // fixed: kDeadLetterCallQueue
                                               .health = &threads_},
                               [this] { return std::make_unique<ValkeyDeadLetterStore>(config_.queue); }};
  PooledDeadLetterService dead_letter_service_{dead_letters_};
  IoPool io_pool_{config_.http.io_threads};
  // Taken over before the port opens, so a SIGTERM right after start-up is
  // a clean shutdown too, not the default death.
  boost::asio::signal_set signals_{io_pool_.first(), SIGINT, SIGTERM};
  Server server_{io_pool_, config_.http,
                 ApiServices{.ingest = ingest_,
                             .queries = queries_,
                             .tenants = tenant_admin_,
                             .dead_letters = dead_letter_service_,
                             .keys = keys_,
                             .health = [this] { return monitor_.Health(); },
                             .metrics = metrics_,
                             .access = {.admin_token = config_.tenants.admin_token,
                                        .require_api_keys = config_.tenants.require_api_keys},
                             .limits = {.max_tenants_per_page = config_.tenants.max_tenants_per_page,
                                        .idempotency_window_ms =
                                            std::int64_t{config_.store.idempotency_window_days} * 86'400'000}}};
};

}  // namespace

int RunService(const Config& config) {
  // A redis:// URL against a cluster node (or the reverse) would fail every
  // call later: it is a configuration error, reported as one.
  if (Status mode = CheckValkeyMode(config.queue.valkey, config.queue.connect_timeout_ms); !mode.ok()) {
    spdlog::critical("start-up: {}", mode.message());
    return 2;
  }
  if (Status migrated = Migrate(config.store.database_url); !migrated.ok()) {
    spdlog::critical("start-up: migrations failed: {}", migrated.ToString());
    return 1;
  }
  if (Status laid_out = CheckLayout(config.queue); !laid_out.ok()) {
    spdlog::critical("start-up: {}", laid_out.ToString());
    return 1;
  }
  Service service(config);
  if (Status listening = service.Listen(); !listening.ok()) {
    spdlog::critical("start-up: {}", listening.ToString());
    return 1;
  }
  service.Start();
  service.WaitForSignal();
  service.Stop();
  spdlog::info("shutdown: done");
  return 0;
}

}  // namespace flagmeter
