#include "flagmeter/app/service.hpp"

#include <future>
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
#include "flagmeter/queue/queue_reaper.hpp"
#include "flagmeter/queue/valkey_dead_letter_store.hpp"
#include "flagmeter/queue/valkey_pusher.hpp"
#include "flagmeter/queue/valkey_queue.hpp"
#include "flagmeter/store/migrations.hpp"
#include "flagmeter/store/pg_event_store.hpp"
#include "flagmeter/store/pg_usage_reader.hpp"
#include "flagmeter/store/tenant_pg_stores.hpp"
#include "flagmeter/store/usage_history.hpp"
#include "flagmeter/tenants/key_registry.hpp"
#include "flagmeter/tenants/known_tenants.hpp"
#include "flagmeter/tenants/tenant_creator.hpp"
#include "flagmeter/tenants/tenant_services.hpp"
#include "flagmeter/worker/worker_pool.hpp"
#include "http/dashboard_handler.hpp"

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

// Blocks until SIGINT or SIGTERM arrives at `signals` (handled on an io
// thread).
void WaitForSignal(boost::asio::signal_set& signals) {
  std::promise<int> received;
  signals.async_wait([&received](const boost::system::error_code& ec, int signal) {
    received.set_value(ec ? 0 : signal);
  });
  const int signal = received.get_future().get();
  spdlog::info("shutdown: signal {} received", signal);
}

}  // namespace

int RunService(const Config& config) {
  if (Status migrated = Migrate(config.store.database_url); !migrated.ok()) {
    spdlog::critical("start-up: migrations failed: {}", migrated.ToString());
    return 1;
  }
  Metrics metrics;
  // Every supervised thread group reports here: /api/health and /metrics read it.
  ThreadHealth threads;
  metrics.WatchThreads(&threads);
  ValkeyPusher pusher(config.queue, &threads);
  UsageService usage(
      config.store.usage_readers, config.store.usage_cache_ms,
      [&] { return std::make_unique<PgUsageReader>(config.store.database_url, config.store.usage_max_features); },
      config.store.usage_read_queue, &threads);
  // History and the dashboard: threads and connections of their own.
  HistoryService history(config.store.history_readers, kDashboardSnapshotTtl,
                         [&] { return std::make_unique<PgUsageHistory>(config.store.database_url); },
                         config.store.history_read_queue, nullptr, &threads);
  // Alerts: the workers report committed tenants to the monitor (a set
  // insert, after the commit), which claims crossings and hands them to the
  // sender threads.
  AlertSender alert_sender(
      config.alerts, [&] { return std::make_unique<PgTenantAlertStore>(config.store.database_url); }, metrics,
      &threads);
  AlertMonitor alert_monitor(config.alerts, std::make_unique<PgTenantAlertStore>(config.store.database_url),
                             alert_sender, &threads);
  alert_sender.OnRetryScheduled([&alert_monitor](std::chrono::milliseconds delay) {
    alert_monitor.RetryScheduled(delay);
  });
  WorkerPool workers(
      config.worker, [&] { return std::make_unique<ValkeyQueue>(config.queue); },
      [&] {
        return std::make_unique<CommitNotifier>(
            std::make_unique<PgEventStore>(config.store.database_url),
            [&alert_monitor](const std::vector<std::string>& tenants) { alert_monitor.TenantsChanged(tenants); });
      },
      metrics, WorkerRetryPolicy(), &threads);
  const auto make_tenant_store = [&] { return std::make_unique<PgTenantStore>(config.store.database_url); };
  AdminPool admin(WorkPoolOptions{.group = ThreadGroup::kAdmin,
                                  .name = "admin",
                                  .threads = config.tenants.admin_threads,
                                  .max_queued = config.tenants.admin_queue,
                                  .queue_setting = "ADMIN_QUEUE",
                                  .health = &threads},
                  make_tenant_store);
  KeyRegistry keys(std::chrono::milliseconds(config.tenants.key_refresh_ms), make_tenant_store,
                   config.tenants.key_miss_cache, config.tenants.key_lookup_queue, &threads);
  // Room for every tenant events may create, and as many made by operators.
  KnownTenants known_tenants(static_cast<std::size_t>(2 * config.tenants.max_tenants));
  TenantCreator creator({.auto_create = config.tenants.AutoCreate(),
                         .max_tenants = config.tenants.max_tenants,
                         .max_queued = config.tenants.tenant_creation_queue},
                        make_tenant_store, &threads);
  const TenantServices tenants{
      .admin = admin,
      .keys = keys,
      .known = known_tenants,
      .creator = creator,
      .config = config.tenants,
      .settings_changed = [&alert_monitor](const std::string& tenant) { alert_monitor.TenantsChanged({tenant}); },
      .check_webhook_url =
          [&config](const std::string& url) {
            Result<WebhookUrl> parsed = ParseWebhookUrl(url);
            if (!parsed.ok()) return parsed.status();
            return CheckWebhookDestination(*parsed, config.alerts.webhook_allow_private,
                                           std::chrono::milliseconds(config.alerts.webhook_timeout_ms));
          },
  };
  // Owned by the monitor thread once started.
  auto reaper = std::make_shared<QueueReaper>(config.queue);
  auto health_reader = std::make_shared<PgUsageReader>(config.store.database_url);
  auto dead_letter_counter = std::make_shared<ValkeyDeadLetterStore>(config.queue);
  BackgroundMonitor monitor(
      MonitorProbes{
          .queue_depth = [reaper] { return reaper->QueueDepth(); },
          .ping_database = [health_reader] { return health_reader->Ping(); },
          .requeue_expired = [reaper] { return reaper->RequeueExpired(); },
          .inflight = [&workers] { return workers.Inflight(); },
          .dead_letters = [dead_letter_counter] { return dead_letter_counter->Count(); },
      },
      metrics, std::chrono::seconds(1), /*reap_every=*/5, &threads);

  // The admin API's dead-letter calls: one thread, its own Valkey connection.
  DeadLetterPool dead_letters(WorkPoolOptions{.group = ThreadGroup::kDeadLetters,
                                              .name = "deadletters",
                                              .threads = 1,
                                              .max_queued = kDeadLetterCallQueue,
                                              .queue_setting = {},  // fixed: kDeadLetterCallQueue
                                              .health = &threads},
                              [&] { return std::make_unique<ValkeyDeadLetterStore>(config.queue); });

  IoPool io_pool(config.http.io_threads);
  // Taken over before the port opens, so a SIGTERM right after start-up is
  // a clean shutdown too, not the default death.
  boost::asio::signal_set signals(io_pool.first(), SIGINT, SIGTERM);
  Server server(io_pool, config.http,
                ApiServices{.sink = pusher,
                            .usage = usage,
                            .monitor = monitor,
                            .metrics = metrics,
                            .tenants = &tenants,
                            .history = &history,
                            .dead_letters = &dead_letters,
                            .max_tenants_per_page = config.tenants.max_tenants_per_page});
  if (Status listening = server.Listen(); !listening.ok()) {
    spdlog::critical("start-up: {}", listening.ToString());
    return 1;
  }
  pusher.Start();
  usage.Start();
  history.Start();
  monitor.Start();
  admin.Start();
  dead_letters.Start();
  keys.Start();
  creator.Start();
  alert_sender.Start();
  alert_monitor.Start();
  workers.Start();
  server.Start();

  // The io threads: they run every connection and never block on Valkey or
  // PostgreSQL (the pusher, query and worker threads do that).
  io_pool.Start();
  spdlog::info("flagmeter serving on {}:{} ({} io threads, {} workers)", config.http.bind_address, server.port(),
               config.http.io_threads, config.worker.concurrency);
  spdlog::info("runtime: {}", RuntimeBudgetLine(RuntimeBudget(config)));
  spdlog::info(
      "tenants: {} admin threads (queue {}), 1 key thread (look-up queue {}, miss cache {}), 1 creation thread "
      "(queue {}; automatic creation {}, at most {} tenants)",
      config.tenants.admin_threads, config.tenants.admin_queue, config.tenants.key_lookup_queue,
      config.tenants.key_miss_cache, config.tenants.tenant_creation_queue,
      config.tenants.AutoCreate() ? "on" : "off", config.tenants.max_tenants);

  WaitForSignal(signals);
  server.Shutdown(std::chrono::steady_clock::now() + kRequestDrainTime);
  pusher.Stop();
  workers.Stop(std::chrono::steady_clock::now() + kWorkerDrainTime);
  // After the workers: their last commits may still report tenants.
  alert_monitor.Stop();
  alert_sender.Stop();
  creator.Stop();
  keys.Stop();
  admin.Stop();
  dead_letters.Stop();
  monitor.Stop();
  usage.Stop();
  history.Stop();
  io_pool.Stop();
  spdlog::info("shutdown: done");
  return 0;
}

}  // namespace flagmeter
