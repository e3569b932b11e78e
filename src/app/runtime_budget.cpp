#include "flagmeter/app/runtime_budget.hpp"

#include "flagmeter/core/thread_health.hpp"

namespace flagmeter {
namespace {

std::string Connections(const ThreadBudgetRow& row) {
  std::string out;
  if (row.postgres > 0) out += std::to_string(row.postgres) + " PostgreSQL";
  if (row.valkey > 0) out += std::string(out.empty() ? "" : ", ") + std::to_string(row.valkey) + " Valkey";
  return out;
}

}  // namespace

std::vector<ThreadBudgetRow> RuntimeBudget(const Config& config) {
  const auto name = [](ThreadGroup group) { return ThreadGroupName(group); };
  const int workers = config.worker.concurrency;
  const int usage = config.store.usage_readers;
  const int history = config.store.history_readers;
  const int admin = config.tenants.admin_threads;
  const int senders = config.alerts.senders;
  return {
      {"io", "IoPool", "HTTP connections; never block", "IO_THREADS", config.http.io_threads, 0, 0},
      {name(ThreadGroup::kPusher), "ValkeyPusher", "pushes accepted events to Valkey", "", 1, 0, 1},
      {name(ThreadGroup::kWorkers), "WorkerPool", "claim batches, commit them to PostgreSQL", "WORKER_CONCURRENCY",
       workers, workers, workers},
      {name(ThreadGroup::kLeaseReaper), "LeaseReaper", "puts back batches whose lease ran out", "", 1, 0, 1},
      {name(ThreadGroup::kLedger), "LedgerMaintenance", "raw-event partitions, retention, ledger clock", "", 1, 1, 0},
      {name(ThreadGroup::kUsageReaders), "UsageService", "usage reads", "USAGE_READERS", usage, usage, 0},
      {name(ThreadGroup::kHistoryReaders), "HistoryService", "usage series and dashboard reads", "HISTORY_READERS",
       history, history, 0},
      {name(ThreadGroup::kAdmin), "AdminPool", "admin API calls", "ADMIN_THREADS", admin, admin, 0},
      {name(ThreadGroup::kKeyRegistry), "KeyRegistry", "API key look-ups and refreshes", "", 1, 1, 0},
      {name(ThreadGroup::kTenantCreator), "TenantCreator", "tenants named by events", "", 1, 1, 0},
      {name(ThreadGroup::kAlertMonitor), "AlertMonitor", "quota thresholds, due retries", "", 1, 1, 0},
      {name(ThreadGroup::kAlertSenders), "AlertSender", "webhook deliveries", "ALERT_SENDERS", senders, senders, 0},
      {name(ThreadGroup::kDeadLetters), "DeadLetterPool", "dead-letter admin calls", "", 1, 0, 1},
      // A health probe's connection, the queue depth probe's and the dead-letter counter's.
      {name(ThreadGroup::kMonitor), "BackgroundMonitor", "gauges, health", "", 1, 1, 2},
  };
}

ThreadBudgetRow RuntimeBudgetTotal(const std::vector<ThreadBudgetRow>& rows) {
  ThreadBudgetRow total;
  for (const ThreadBudgetRow& row : rows) {
    total.threads += row.threads;
    total.postgres += row.postgres;
    total.valkey += row.valkey;
  }
  return total;
}

std::string RuntimeBudgetLine(const std::vector<ThreadBudgetRow>& rows) {
  const ThreadBudgetRow total = RuntimeBudgetTotal(rows);
  std::string groups;
  for (const ThreadBudgetRow& row : rows) {
    if (!groups.empty()) groups += ", ";
    groups += std::string(row.group) + " " + std::to_string(row.threads);
    if (const std::string held = Connections(row); !held.empty()) groups += " (" + held + ")";
  }
  return std::to_string(total.threads) + " threads, " + std::to_string(total.postgres) + " PostgreSQL and " +
         std::to_string(total.valkey) + " Valkey connections: " + groups;
}

std::string RuntimeBudgetTable(const std::vector<ThreadBudgetRow>& rows) {
  std::string out = "| group | owner | purpose | threads | PostgreSQL | Valkey |\n|---|---|---|---|---|---|\n";
  for (const ThreadBudgetRow& row : rows) {
    const std::string count =
        std::to_string(row.threads) + (row.setting.empty() ? "" : " (`" + std::string(row.setting) + "`)");
    out += "| `" + std::string(row.group) + "` | `" + std::string(row.owner) + "` | " + std::string(row.purpose) +
           " | " + count + " | " + std::to_string(row.postgres) + " | " + std::to_string(row.valkey) + " |\n";
  }
  const ThreadBudgetRow total = RuntimeBudgetTotal(rows);
  out += "| **total** | | | " + std::to_string(total.threads) + " | " + std::to_string(total.postgres) + " | " +
         std::to_string(total.valkey) + " |\n";
  return out;
}

}  // namespace flagmeter
