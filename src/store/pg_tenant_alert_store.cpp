#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "flagmeter/store/tenant_pg_stores.hpp"
#include "store/pg_connection.hpp"
#include "store/pg_errors.hpp"
#include "store/pg_tenant_rows.hpp"

namespace flagmeter {
namespace {

// Claims and records are keyed, so rerunning them is harmless; reclaiming
// touches only stale rows. A stale connection is retried once.
constexpr int kMaxRetries = 2;
constexpr char kStatementTimeout[] = "5000";  // milliseconds

const std::string kReadAlertableSql = std::string("SELECT ") + pg_tenant::kTenantColumns + " FROM " +
                                      pg_tenant::kTenantFrom +
                                      " WHERE t.name IN (SELECT json_array_elements_text($2::json))"
                                      " AND t.webhook_url IS NOT NULL AND t.monthly_quota > 0";

constexpr char kAlertKeyWhere[] =
    " WHERE tenant_id = $1::uuid AND period_start = timestamptz 'epoch' + $2::bigint * interval '1 millisecond'"
    " AND threshold = $3";

constexpr char kClaimSql[] = R"sql(
INSERT INTO alert_deliveries (tenant_id, period_start, threshold, payload)
VALUES ($1::uuid, timestamptz 'epoch' + $2::bigint * interval '1 millisecond', $3, $4)
ON CONFLICT (tenant_id, period_start, threshold) DO NOTHING
RETURNING 1
)sql";

const std::string kRecordSql = std::string(R"sql(
UPDATE alert_deliveries SET status = $4, attempts = $5, last_error = nullif($6, ''), updated_at = now(),
  next_try_at = NULL, delivered_at = CASE WHEN $4 = 'delivered' THEN now() ELSE delivered_at END)sql") + kAlertKeyWhere;

const std::string kScheduleRetrySql = std::string(R"sql(
UPDATE alert_deliveries SET status = 'pending', attempts = $4, last_error = nullif($5, ''), updated_at = now(),
  next_try_at = now() + $6::bigint * interval '1 millisecond')sql") + kAlertKeyWhere;

// SKIP LOCKED: instances reclaiming at the same moment split the rows
// instead of queueing behind each other; updated_at moves and next_try_at
// clears, so a row taken by one is no longer due for the others.
constexpr char kReclaimSql[] = R"sql(
WITH stale AS (
  SELECT tenant_id, period_start, threshold FROM alert_deliveries
  WHERE status = 'pending'
    AND (next_try_at <= now()
         OR (next_try_at IS NULL AND updated_at < now() - $1::bigint * interval '1 millisecond'))
  ORDER BY coalesce(next_try_at, updated_at) LIMIT $2
  FOR UPDATE SKIP LOCKED
)
UPDATE alert_deliveries d SET updated_at = now(), next_try_at = NULL
FROM stale, tenants t
WHERE d.tenant_id = stale.tenant_id AND d.period_start = stale.period_start
  AND d.threshold = stale.threshold AND t.id = d.tenant_id
RETURNING d.tenant_id::text, (extract(epoch FROM d.period_start) * 1000)::bigint, d.threshold,
          t.name, t.webhook_url, d.payload, d.attempts
)sql";

// NULL when no retry is scheduled: the bound to 0 is taken after the NULL
// test, because greatest() skips NULLs and would turn "none" into "due now",
// which kept the alert thread sweeping back to back.
constexpr char kNextRetrySql[] = R"sql(
SELECT CASE WHEN next IS NOT NULL THEN greatest(0, ceil(extract(epoch FROM next - now()) * 1000))::bigint END
FROM (SELECT min(next_try_at) AS next FROM alert_deliveries
      WHERE status = 'pending' AND next_try_at IS NOT NULL) AS earliest
)sql";

const char* StatusText(DeliveryStatus status) {
  switch (status) {
    case DeliveryStatus::kPending: return "pending";
    case DeliveryStatus::kDelivered: return "delivered";
    case DeliveryStatus::kFailed: return "failed";
  }
  return "pending";
}

}  // namespace

PgTenantAlertStore::PgTenantAlertStore(std::string database_url)
    : connection_(std::make_unique<PgConnection>(
          std::move(database_url),
          std::vector<PreparedStatement>{{"fm_read_alertable", kReadAlertableSql},
                                         {"fm_claim_alert", kClaimSql},
                                         {"fm_record_alert", kRecordSql},
                                         {"fm_schedule_alert_retry", kScheduleRetrySql},
                                         {"fm_reclaim_alerts", kReclaimSql},
                                         {"fm_next_alert_retry", kNextRetrySql}},
          std::vector<std::pair<std::string, std::string>>{{"statement_timeout", kStatementTimeout}})) {}

PgTenantAlertStore::~PgTenantAlertStore() = default;

Result<std::vector<TenantOverview>> PgTenantAlertStore::ReadAlertable(const std::vector<std::string>& names,
                                                                      std::int64_t now_ms) {
  std::string names_json;
  try {
    names_json = nlohmann::json(names).dump();
  } catch (const nlohmann::json::exception& error) {
    return Status::InvalidArgument(std::string("alerts: tenant names are not valid UTF-8: ") + error.what());
  }
  return RunWithRetries<std::vector<TenantOverview>>(
      *connection_, "store: read alert settings of " + std::to_string(names.size()) + " tenants", kMaxRetries, [&] {
        pqxx::nontransaction tx(connection_->Get(), "read_alertable");
        std::vector<TenantOverview> tenants;
        for (const pqxx::row& row :
             tx.exec_prepared("fm_read_alertable", pg_tenant::PeriodsJson(now_ms), names_json)) {
          tenants.push_back(pg_tenant::TenantFromRow(row));
        }
        return Result<std::vector<TenantOverview>>(std::move(tenants));
      });
}

Result<bool> PgTenantAlertStore::Claim(const AlertKey& key, const std::string& payload) {
  const std::string operation = "store: claim the " + std::to_string(key.threshold) + "% alert of tenant " +
                                key.tenant_id;
  return RunWithRetries<bool>(*connection_, operation, kMaxRetries, [&] {
    pqxx::nontransaction tx(connection_->Get(), "claim_alert");
    const pqxx::result rows = tx.exec_prepared("fm_claim_alert", key.tenant_id, key.period_start_ms, key.threshold,
                                               payload);
    return Result<bool>(!rows.empty());
  });
}

Status PgTenantAlertStore::Record(const AlertKey& key, DeliveryStatus status, int attempts,
                                  const std::string& last_error) {
  const std::string operation = "store: record the " + std::to_string(key.threshold) + "% alert of tenant " +
                                key.tenant_id + " as " + StatusText(status);
  Result<bool> done = RunWithRetries<bool>(*connection_, operation, kMaxRetries, [&] {
    pqxx::nontransaction tx(connection_->Get(), "record_alert");
    tx.exec_prepared("fm_record_alert", key.tenant_id, key.period_start_ms, key.threshold, StatusText(status),
                     attempts, last_error);
    return Result<bool>(true);
  });
  return done.ok() ? Status::Ok() : done.status();
}

Status PgTenantAlertStore::ScheduleRetry(const AlertKey& key, int attempts, const std::string& last_error,
                                         std::int64_t delay_ms) {
  const std::string operation = "store: schedule a retry of the " + std::to_string(key.threshold) +
                                "% alert of tenant " + key.tenant_id;
  Result<bool> done = RunWithRetries<bool>(*connection_, operation, kMaxRetries, [&] {
    pqxx::nontransaction tx(connection_->Get(), "schedule_alert_retry");
    tx.exec_prepared("fm_schedule_alert_retry", key.tenant_id, key.period_start_ms, key.threshold, attempts,
                     last_error, delay_ms);
    return Result<bool>(true);
  });
  return done.ok() ? Status::Ok() : done.status();
}

Result<std::optional<std::int64_t>> PgTenantAlertStore::NextRetryInMs() {
  using Answer = std::optional<std::int64_t>;
  return RunWithRetries<Answer>(*connection_, "store: read the next alert retry time", kMaxRetries, [&] {
    pqxx::nontransaction tx(connection_->Get(), "next_alert_retry");
    const pqxx::result rows = tx.exec_prepared("fm_next_alert_retry");
    if (rows.empty() || rows[0][0].is_null()) return Result<Answer>(Answer());
    return Result<Answer>(Answer(rows[0][0].as<std::int64_t>()));
  });
}

Result<std::vector<PendingAlert>> PgTenantAlertStore::ReclaimDue(std::int64_t stale_ms, int limit) {
  return RunWithRetries<std::vector<PendingAlert>>(*connection_, "store: reclaim due alerts", kMaxRetries, [&] {
    pqxx::nontransaction tx(connection_->Get(), "reclaim_alerts");
    std::vector<PendingAlert> alerts;
    for (const pqxx::row& row : tx.exec_prepared("fm_reclaim_alerts", stale_ms, limit)) {
      PendingAlert alert;
      alert.key = AlertKey{row[0].as<std::string>(), row[1].as<std::int64_t>(), row[2].as<int>()};
      alert.tenant_name = row[3].as<std::string>();
      alert.webhook_url = row[4].as<std::string>("");
      alert.payload = row[5].as<std::string>();
      alert.attempts = row[6].as<int>();
      alerts.push_back(std::move(alert));
    }
    return Result<std::vector<PendingAlert>>(std::move(alerts));
  });
}

}  // namespace flagmeter
