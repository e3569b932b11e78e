#include "flagmeter/store/ledger_maintainer.hpp"

#include <cstdio>
#include <utility>
#include <vector>

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "store/pg_connection.hpp"
#include "store/pg_errors.hpp"

namespace flagmeter {
namespace {

// Session advisory lock of a pass: one instance maintains at a time. "fmlmaint".
constexpr std::int64_t kMaintenanceLockKey = 7380674581371645556;
// The ledger lock every commit holds shared (fm_lock_ledger): moving the
// clock takes it exclusive. "fmledger".
constexpr std::int64_t kLedgerLockKey = 7380674547062105458;

// A partition's DDL or the clock's move waits at most this long for the
// commits in flight (each a few milliseconds): the pass fails and the next
// one tries again rather than queueing every commit behind a long wait.
constexpr char kLockTimeout[] = "SET LOCAL lock_timeout = '2s'";

std::string DateText(std::chrono::sys_days day) {
  const std::chrono::year_month_day ymd{day};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return text;
}

std::string CompactDate(const std::string& date_text) {
  std::string out;
  for (char c : date_text) {
    if (c != '-') out += c;
  }
  return out;
}

// Creates [start, stop) as a table of its own and attaches it: ATTACH takes
// only a SHARE UPDATE EXCLUSIVE lock on `events`, so commits go on meanwhile
// (CREATE TABLE ... PARTITION OF would lock them out).
void CreatePartition(pqxx::connection& connection, const std::string& start, const std::string& stop) {
  const std::string relation = "events_" + CompactDate(start);
  pqxx::work tx(connection, "ledger_create_partition");
  tx.exec(kLockTimeout);
  const std::string quoted = tx.quote_name(relation);
  tx.exec("CREATE TABLE " + quoted + " (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)");
  tx.exec("ALTER TABLE events ATTACH PARTITION " + quoted + " FOR VALUES FROM (" + tx.quote(start) + ") TO (" +
          tx.quote(stop) + ")");
  tx.exec_params("INSERT INTO ledger_periods (start, stop, relation) VALUES ($1::date, $2::date, $3)", start, stop,
                 relation);
  tx.commit();
  spdlog::info("ledger: created partition {} for [{}, {})", relation, start, stop);
}

// Partitions until `today + kDaysAhead` is covered. A gap left while no
// instance ran becomes one partition up to today.
int CreateAhead(pqxx::connection& connection, std::chrono::sys_days today, int partition_days) {
  int created = 0;
  const std::string horizon = DateText(today + std::chrono::days(LedgerMaintainer::kDaysAhead));
  const std::string today_text = DateText(today);
  for (;;) {
    std::string start, stop;
    {
      pqxx::nontransaction tx(connection);
      const pqxx::row row = tx.exec_params1(
          "SELECT max(stop)::text, max(stop) > $1::date, greatest(max(stop) + $2::int, $3::date + 1)::text "
          "FROM ledger_periods",
          horizon, partition_days, today_text);
      if (row[1].as<bool>()) return created;
      start = row[0].c_str();
      stop = row[2].c_str();
    }
    CreatePartition(connection, start, stop);
    ++created;
  }
}

// Moves the clock to `today` and the period holding it, under the ledger
// lock taken exclusive: commits of the old period finish first, and those
// that follow read the new one.
bool AdvanceClock(pqxx::connection& connection, std::chrono::sys_days today) {
  const std::string today_text = DateText(today);
  pqxx::work tx(connection, "ledger_advance_clock");
  if (!tx.exec_params1("SELECT day < $1::date FROM ledger_clock", today_text)[0].as<bool>()) return false;
  tx.exec(kLockTimeout);
  tx.exec_params("SELECT pg_advisory_xact_lock($1)", kLedgerLockKey);
  const pqxx::result updated = tx.exec_params(
      "UPDATE ledger_clock SET day = $1::date, "
      "  period = (SELECT start FROM ledger_periods WHERE start <= $1::date AND $1::date < stop) "
      "WHERE day < $1::date RETURNING period::text",
      today_text);
  tx.commit();
  if (updated.empty()) return false;
  spdlog::info("ledger: day {} (period {})", today_text, updated[0][0].c_str());
  return true;
}

// Drops the partitions whose last day is older than the retention, counted
// from the clock's day. DROP locks `events` for a moment (it changes its
// partitions): the lock timeout keeps that moment short.
int DropExpired(pqxx::connection& connection, int retention_days) {
  std::vector<std::pair<std::string, std::string>> expired;  // relation, start
  {
    pqxx::nontransaction tx(connection);
    for (const pqxx::row& row : tx.exec_params(
             "SELECT p.relation, p.start::text FROM ledger_periods p, ledger_clock c "
             "WHERE p.stop <= c.day - $1::int AND p.start <> c.period ORDER BY p.start",
             retention_days)) {
      expired.emplace_back(row[0].c_str(), row[1].c_str());
    }
  }
  for (const auto& [relation, start] : expired) {
    pqxx::work tx(connection, "ledger_drop_partition");
    tx.exec(kLockTimeout);
    tx.exec("DROP TABLE IF EXISTS " + tx.quote_name(relation));
    tx.exec_params("DELETE FROM ledger_periods WHERE start = $1::date", start);
    tx.commit();
    spdlog::info("ledger: dropped partition {} (older than RAW_EVENT_RETENTION_DAYS={})", relation, retention_days);
  }
  return static_cast<int>(expired.size());
}

// One batch out of events_unpartitioned, in key order from the cursor, in one
// transaction: the rows leave it and enter the partition before the first
// period together, so a commit's snapshot finds each in exactly one place.
// Rows stored before the retention's start are only deleted, as a drop would
// have done; so are all once that partition has gone.
constexpr char kMoveBatchSql[] = R"sql(
WITH batch AS (
  SELECT tenant_id, event_id FROM events_unpartitioned
  WHERE (tenant_id, event_id) > ($1::uuid, $2::text)
  ORDER BY tenant_id, event_id LIMIT $3
), moved AS (
  DELETE FROM events_unpartitioned u USING batch b
  WHERE u.tenant_id = b.tenant_id AND u.event_id = b.event_id
  RETURNING u.*
), kept AS (
  INSERT INTO events (tenant_id, event_id, feature, tokens, occurred_at, received_at, stored_at, accept_seq,
                      ledger_period)
  SELECT tenant_id, event_id, feature, tokens, occurred_at, received_at, stored_at, accept_seq, '-infinity'
  FROM moved
  WHERE stored_at >= (SELECT day - $4::int FROM ledger_clock)
    AND EXISTS (SELECT 1 FROM ledger_periods WHERE start = '-infinity')
  RETURNING 1
), last AS (
  SELECT tenant_id::text, event_id FROM batch ORDER BY tenant_id DESC, event_id DESC LIMIT 1
)
SELECT (SELECT count(*) FROM moved), (SELECT count(*) FROM kept),
       (SELECT tenant_id FROM last), (SELECT event_id FROM last)
)sql";

}  // namespace

LedgerMaintainer::LedgerMaintainer(std::string database_url, LedgerOptions options)
    : options_(options),
      connection_(std::make_unique<PgConnection>(std::move(database_url), std::vector<PreparedStatement>{{"fm_move_batch", kMoveBatchSql}},
                                                // Dates compare as UTC days.
                                                std::vector<std::pair<std::string, std::string>>{{"TimeZone", "UTC"}})) {}

LedgerMaintainer::~LedgerMaintainer() = default;

Result<LedgerPass> LedgerMaintainer::RunOnce(std::chrono::sys_days today, int max_move_batches) {
  const std::string operation = "ledger: maintenance pass for " + DateText(today);
  try {
    pqxx::connection& connection = connection_->Get();
    {
      pqxx::nontransaction tx(connection);
      if (!tx.exec_params1("SELECT pg_try_advisory_lock($1)", kMaintenanceLockKey)[0].as<bool>()) {
        return LedgerPass{.skipped = true};
      }
    }
    Result<LedgerPass> pass = RunLocked(today, max_move_batches);
    pqxx::nontransaction tx(connection);
    tx.exec_params("SELECT pg_advisory_unlock($1)", kMaintenanceLockKey);
    return pass;
  } catch (...) {
    PgFailure failure = ClassifyCurrentException(operation);
    connection_->Reset();  // also releases the session lock
    return failure.status;
  }
}

Result<LedgerPass> LedgerMaintainer::RunLocked(std::chrono::sys_days today, int max_move_batches) {
  pqxx::connection& connection = connection_->Get();
  LedgerPass pass;
  pass.partitions_created = CreateAhead(connection, today, options_.partition_days);
  pass.clock_advanced = AdvanceClock(connection, today);
  pass.partitions_dropped = DropExpired(connection, options_.retention_days);
  bool restarted = false;
  for (int batch = 0; batch < max_move_batches; ++batch) {
    pqxx::work tx(connection, "ledger_move_batch");
    const pqxx::row row = tx.exec_prepared1("fm_move_batch", move_after_tenant_, move_after_event_,
                                            options_.move_batch, options_.retention_days);
    tx.commit();
    const auto moved = row[0].as<std::int64_t>();
    pass.rows_moved += moved;
    pass.rows_expired += moved - row[1].as<std::int64_t>();
    if (moved == 0) {
      // The cursor ran past the end: start over once, in case rows remain
      // before it (only after a failed batch); otherwise the move is done.
      if (restarted || move_after_event_.empty()) break;
      move_after_tenant_ = kMoveFromStart;
      move_after_event_.clear();
      restarted = true;
      continue;
    }
    move_after_tenant_ = row[2].c_str();
    move_after_event_ = row[3].c_str();
  }
  pqxx::nontransaction tx(connection);
  pass.move_pending = tx.exec("SELECT EXISTS (SELECT 1 FROM events_unpartitioned)")[0][0].as<bool>();
  return pass;
}

}  // namespace flagmeter
