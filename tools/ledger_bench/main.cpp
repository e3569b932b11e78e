// flagmeter-ledger-bench: what a commit costs per event against a ledger of
// a given age. Migrates the database it is given, fills the partitioned
// ledger with synthetic raw events at the real row width (uuid event ids,
// 100 tenants, as the maintainer lays out the partitions), then commits the
// same kind of batches (spread over --tenants of them) through the real
// commit path (PgEventStore, one statement per batch or, with
// --commit-per-tenant true, one per tenant of a batch) and prints wall and
// PostgreSQL CPU µs per event, and bytes per stored event.
// Driven by scripts/bench-ledger, which starts the database.
#include <dirent.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "flagmeter/store/ledger_maintainer.hpp"
#include "flagmeter/store/migrations.hpp"
#include "flagmeter/store/pg_event_store.hpp"

namespace {

struct Options {
  std::string database_url;
  int history_days = 1;     // days of ledger before the commits
  long rows_per_day = 200'000;
  int batches = 200;
  int batch_size = 500;
  int window_days = 62;
  int retention_days = 3660;  // partitions older than this are dropped before the commits
  bool commit_per_tenant = false;  // COMMIT_PER_TENANT: one commit statement per tenant of a batch
  int tenants = 100;               // the batches' events are spread over this many tenants
};

[[noreturn]] void Usage(const std::string& problem) {
  std::cerr << "flagmeter-ledger-bench: " << problem << "\n"
            << "usage: flagmeter-ledger-bench --database URL [--history-days D] [--rows-per-day N] "
               "[--batches K] [--batch-size B] [--window-days W] [--retention-days R] "
               "[--commit-per-tenant true|false] [--tenants T]\n";
  std::exit(2);
}

Options Parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) Usage(arg + " needs a value");
    const std::string value = argv[++i];
    if (arg == "--database") options.database_url = value;
    else if (arg == "--history-days") options.history_days = std::stoi(value);
    else if (arg == "--rows-per-day") options.rows_per_day = std::stol(value);
    else if (arg == "--batches") options.batches = std::stoi(value);
    else if (arg == "--batch-size") options.batch_size = std::stoi(value);
    else if (arg == "--window-days") options.window_days = std::stoi(value);
    else if (arg == "--retention-days") options.retention_days = std::stoi(value);
    else if (arg == "--commit-per-tenant") options.commit_per_tenant = value == "true";
    else if (arg == "--tenants") options.tenants = std::stoi(value);
    else Usage("unknown option " + arg);
  }
  if (options.database_url.empty()) Usage("--database is required");
  if (options.history_days < 1) Usage("--history-days must be at least 1");
  if (options.tenants < 1) Usage("--tenants must be at least 1");
  return options;
}

// What /proc/<pid>/stat says of a process: its name, its parent and the CPU
// it used (utime + stime, in clock ticks).
struct ProcStat {
  std::string name;
  long parent = 0;
  double cpu_ticks = 0;
};

std::optional<ProcStat> ReadProcStat(const std::string& pid) {
  std::ifstream stat("/proc/" + pid + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return std::nullopt;
  const auto open = line.find('('), close = line.rfind(')');
  if (open == std::string::npos || close == std::string::npos) return std::nullopt;
  ProcStat result{line.substr(open + 1, close - open - 1)};
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  for (int index = 3; rest >> field; ++index) {
    if (index == 4) result.parent = std::stol(field);
    if (index == 14 || index == 15) result.cpu_ticks += std::stod(field);
    if (index == 15) break;
  }
  return result;
}

// CPU seconds of the PostgreSQL server whose postmaster is `postmaster`: it
// and every process it started (all backends, background writer, WAL
// writer, checkpointer), the database's whole cost; other servers on the
// machine (tests running alongside) are left out.
double PostgresCpuSeconds(long postmaster) {
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  double total = 0;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return 0;
  while (dirent* entry = readdir(proc)) {
    const std::string pid = entry->d_name;
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::optional<ProcStat> stat = ReadProcStat(pid);
    if (!stat || stat->name != "postgres") continue;
    if (std::stol(pid) != postmaster && stat->parent != postmaster) continue;
    total += stat->cpu_ticks / ticks;
  }
  closedir(proc);
  return total;
}

std::string RandomUuid(std::mt19937_64& random) {
  char text[40];
  const std::uint64_t a = random(), b = random();
  std::snprintf(text, sizeof text, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace flagmeter;
  const Options options = Parse(argc, argv);
  if (Status migrated = ApplyMigrations(options.database_url, EmbeddedMigrations()); !migrated.ok()) {
    std::cerr << "migrations: " << migrated.ToString() << "\n";
    return 1;
  }
  pqxx::connection connection(options.database_url);
  // The server is on this machine (its processes are read from /proc).
  const long postmaster = [&] {
    pqxx::nontransaction tx(connection);
    const std::optional<ProcStat> backend = ReadProcStat(tx.exec1("SELECT pg_backend_pid()")[0].as<std::string>());
    return backend ? backend->parent : 0L;
  }();
  const int migrated_day = [&] {
    pqxx::nontransaction tx(connection);
    return tx.exec("SELECT period - date '1970-01-01' FROM ledger_clock")[0][0].as<int>();
  }();
  const std::chrono::sys_days first_day{std::chrono::days(migrated_day)};
  // The clock on the last day of the history: partitions laid out as the
  // maintainer does, retention long enough to keep them all.
  // A pass a day, as a running service makes them, so every partition has
  // its length.
  LedgerMaintainer maintainer(options.database_url, LedgerOptions{.retention_days = 3660});
  for (int day = 1; day <= options.history_days; ++day) {
    if (Result<LedgerPass> pass = maintainer.RunOnce(first_day + std::chrono::days(day), 0); !pass.ok()) {
      std::cerr << "ledger: " << pass.status().ToString() << "\n";
      return 1;
    }
  }
  const auto fill_start = std::chrono::steady_clock::now();
  {
    pqxx::nontransaction tx(connection);
    tx.exec("INSERT INTO tenants (name) SELECT 'tenant-' || g FROM generate_series(1, 100) g ON CONFLICT DO NOTHING");
    for (int day = 0; day < options.history_days; ++day) {
      // Each day's rows go to the period that holds that day.
      tx.exec_params(
          "INSERT INTO events (tenant_id, event_id, feature, tokens, occurred_at, received_at, stored_at, accept_seq, "
          "  ledger_period) "
          "SELECT t.id, gen_random_uuid()::text, 'feature-' || (g % 5), 1 + g % 1000, d, d, d, g, "
          "  (SELECT start FROM ledger_periods WHERE start <= x.day AND x.day < stop) "
          "FROM (SELECT date '1970-01-01' + $1::int AS day) x, generate_series(1, $2::bigint) g, "
          "  LATERAL (SELECT id FROM tenants WHERE name = 'tenant-' || (1 + g % 100)) t, "
          "  LATERAL (SELECT x.day + (g % 86400) * interval '1 second' AS d) y",
          migrated_day + day, options.rows_per_day);
    }
  }
  // Retention as the service applies it: what is older goes before the commits.
  LedgerMaintainer retention(options.database_url, LedgerOptions{.retention_days = options.retention_days});
  if (Result<LedgerPass> pass = retention.RunOnce(first_day + std::chrono::days(options.history_days), 0); !pass.ok()) {
    std::cerr << "ledger retention: " << pass.status().ToString() << "\n";
    return 1;
  }
  {
    pqxx::nontransaction tx(connection);
    tx.exec("VACUUM ANALYZE events");
    tx.exec("CHECKPOINT");
  }
  const double fill_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - fill_start).count();

  PgEventStore store(options.database_url, nullptr, options.window_days,
                     options.commit_per_tenant ? CommitStatements::kOnePerTenant : CommitStatements::kOnePerBatch);
  std::mt19937_64 random(42);
  const std::int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::vector<std::vector<Event>> batches(options.batches);
  for (auto& batch : batches) {
    for (int i = 0; i < options.batch_size; ++i) {
      batch.push_back(Event{RandomUuid(random), "tenant-" + std::to_string(1 + random() % options.tenants),
                            "feature-" + std::to_string(random() % 5), static_cast<std::int64_t>(1 + random() % 1000),
                            now_ms, now_ms, 0});
    }
  }
  // One batch first: connection, prepared statements, tenant cache.
  if (!store.CommitBatch(batches.front()).ok()) return 1;
  const double cpu0 = PostgresCpuSeconds(postmaster);
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 1; i < batches.size(); ++i) {
    Result<CommitOutcome> outcome = store.CommitBatch(batches[i]);
    if (!outcome.ok()) {
      std::cerr << "commit: " << outcome.status().ToString() << "\n";
      return 1;
    }
  }
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu_s = PostgresCpuSeconds(postmaster) - cpu0;
  const double events = static_cast<double>(options.batch_size) * (options.batches - 1);

  pqxx::nontransaction tx(connection);
  const pqxx::row size = tx.exec1(
      "SELECT (SELECT count(*) FROM events), "
      "  sum(pg_relation_size(relation::regclass)), sum(pg_indexes_size(relation::regclass)), "
      "  count(*) FROM ledger_periods");
  const double rows = size[0].as<double>();
  std::printf(
      "{\"history_days\": %d, \"retention_days\": %d, \"rows_per_day\": %ld, \"ledger_rows\": %.0f, \"partitions\": %d, \"fill_s\": %.1f, "
      "\"tenants\": %d, \"commit_per_tenant\": %s, \"commit_statements\": %llu, \"events_committed\": %.0f, \"batch_size\": %d, \"wall_us_per_event\": %.2f, \"pg_cpu_us_per_event\": %.2f, "
      "\"heap_bytes_per_event\": %.1f, \"index_bytes_per_event\": %.1f}\n",
      options.history_days, options.retention_days, options.rows_per_day, rows, size[3].as<int>(), fill_s,
      options.tenants, options.commit_per_tenant ? "true" : "false", static_cast<unsigned long long>(store.commit_statements_run()), events,
      options.batch_size,
      wall_s * 1e6 / events, cpu_s * 1e6 / events, size[1].as<double>() / rows, size[2].as<double>() / rows);
  return 0;
}
