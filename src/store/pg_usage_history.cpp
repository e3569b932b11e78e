#include "flagmeter/store/usage_history.hpp"

#include <unordered_map>
#include <utility>

#include <pqxx/pqxx>

#include "flagmeter/core/billing_period.hpp"
#include "store/pg_connection.hpp"
#include "store/pg_errors.hpp"
#include "store/pg_tenant_rows.hpp"
#include "store/pg_token_sum.hpp"

namespace flagmeter {
namespace {

// Reads are idempotent, so only a stale connection is retried (once).
constexpr int kMaxRetries = 0;
// Longer than the usage reads: a long range of minute windows sums many
// rows.
constexpr char kStatementTimeout[] = "10000";  // milliseconds

// The history of one rollup table (usage_minute, usage_hour or usage_day,
// whose bucket column is named after its unit). $1 tenant, [$2, $3) the
// range, $4 the window in ms, $5 by feature, $6 a feature or NULL. The bucket
// is computed from epoch milliseconds, so the session's time zone plays no
// part; $2 is a window boundary, so every bucket is too. $7 bounds the rows
// read, whatever the tenant's feature count. The minute and hour
// tables' (tenant_id, <unit>) indexes reach the range; day rows are few.
std::string HistorySql(const std::string& table, const std::string& unit) {
  return "SELECT $2::bigint + ((extract(epoch FROM " + unit +
         ") * 1000)::bigint - $2::bigint) / $4::bigint * $4::bigint,\n"
         "       CASE WHEN $5::boolean THEN feature ELSE '' END AS f,\n"
         "       sum(tokens), sum(events)::bigint\n"
         "FROM " + table + "\n"
         "WHERE tenant_id = $1::uuid\n"
         "  AND " + unit + " >= timestamptz 'epoch' + $2::bigint * interval '1 millisecond'\n"
         "  AND " + unit + " <  timestamptz 'epoch' + $3::bigint * interval '1 millisecond'\n"
         "  AND ($6::text IS NULL OR feature = $6::text)\n"
         "GROUP BY 1, 2\n"
         "LIMIT $7::bigint\n";
  // No ORDER BY: FillSeries places every bucket by its start and feature,
  // and a read cut at $7 is only used to learn there were more.
}

// One page of tenants, its period (from $1, pg_tenant::PeriodsJson) and one
// row per feature with usage in it (NULL feature: none yet). The page is
// picked first, from the bytewise name index (migration 0009), so only its
// tenants' features are summed: $2 the last name of the previous page (''
// before the first), $3 the page's limit + 1 (the extra tenant tells whether
// another page follows).
constexpr char kDashboardTenantsSql[] = R"sql(
WITH page AS MATERIALIZED (
  SELECT id, name, monthly_quota, billing_day FROM tenants
  WHERE name COLLATE "C" > $2::text ORDER BY name COLLATE "C" LIMIT $3
)
SELECT t.id::text, t.name, t.monthly_quota, t.billing_day, p.s, p.e, f.feature, f.tokens, f.events
FROM page t
JOIN json_to_recordset($1::json) AS p (d int, s bigint, e bigint) ON p.d = t.billing_day
LEFT JOIN LATERAL (
  SELECT feature, sum(tokens) AS tokens, sum(events)::bigint AS events
  FROM usage_day
  WHERE tenant_id = t.id
    AND day >= timestamptz 'epoch' + p.s * interval '1 millisecond'
    AND day <  timestamptz 'epoch' + p.e * interval '1 millisecond'
  GROUP BY feature
  HAVING sum(events) > 0
) AS f ON true
ORDER BY t.name COLLATE "C", f.tokens DESC, f.feature COLLATE "C"
)sql";

// Tokens per minute in [$1, $2) for the tenants $3 (an array of ids), one
// index range per tenant.
constexpr char kDashboardMinutesSql[] = R"sql(
SELECT t.id::text, m.ms, m.tokens
FROM unnest($3::uuid[]) AS t (id)
CROSS JOIN LATERAL (
  SELECT (extract(epoch FROM minute) * 1000)::bigint AS ms, sum(tokens) AS tokens
  FROM usage_minute
  WHERE tenant_id = t.id
    AND minute >= timestamptz 'epoch' + $1::bigint * interval '1 millisecond'
    AND minute <  timestamptz 'epoch' + $2::bigint * interval '1 millisecond'
  GROUP BY minute
) AS m
)sql";

constexpr std::int64_t kMinuteMs = 60'000;

DashboardTenant TenantFromRow(const pqxx::row& row, int chart_minutes) {
  DashboardTenant tenant;
  TenantUsage& usage = tenant.usage;
  usage.tenant_id = row[0].as<std::string>();
  usage.tenant_name = row[1].as<std::string>();
  usage.monthly_quota = row[2].as<std::int64_t>();
  usage.billing_day = row[3].as<int>();
  usage.period_start_ms = row[4].as<std::int64_t>();
  usage.period_end_ms = row[5].as<std::int64_t>();
  tenant.minute_tokens.assign(static_cast<std::size_t>(chart_minutes), 0);
  return tenant;
}

}  // namespace

PgUsageHistory::PgUsageHistory(std::string database_url)
    : connection_(std::make_unique<PgConnection>(
          std::move(database_url),
          std::vector<PreparedStatement>{{"fm_minute_history", HistorySql("usage_minute", "minute")},
                                         {"fm_hour_history", HistorySql("usage_hour", "hour")},
                                         {"fm_day_history", HistorySql("usage_day", "day")},
                                         {"fm_dashboard_tenants", kDashboardTenantsSql},
                                         {"fm_dashboard_minutes", kDashboardMinutesSql}},
          std::vector<std::pair<std::string, std::string>>{{"statement_timeout", kStatementTimeout}})) {}

PgUsageHistory::~PgUsageHistory() = default;

Result<std::vector<HistoryBucket>> PgUsageHistory::ReadHistory(const HistoryQuery& query) {
  const std::string operation = "store: read usage history of tenant " + query.tenant_id;
  return RunWithRetries<std::vector<HistoryBucket>>(*connection_, operation, kMaxRetries, [&] {
    pqxx::nontransaction tx(connection_->Get(), "read_history");
    const char* statement = query.window == HistoryWindow::kDay    ? "fm_day_history"
                            : query.window == HistoryWindow::kHour ? "fm_hour_history"
                                                                   : "fm_minute_history";
    const char* feature = query.feature ? query.feature->c_str() : nullptr;
    const pqxx::result rows = tx.exec_prepared(statement, query.tenant_id, query.from_ms, query.to_ms,
                                               WindowMs(query.window), query.by_feature, feature,
                                               query.max_buckets);
    std::vector<HistoryBucket> buckets;
    buckets.reserve(rows.size());
    for (const pqxx::row& row : rows) {
      buckets.push_back(HistoryBucket{row[0].as<std::int64_t>(), row[1].as<std::string>(),
                                      TokenSumField(row[2]), row[3].as<std::int64_t>()});
    }
    return Result<std::vector<HistoryBucket>>(std::move(buckets));
  });
}

Result<DashboardSnapshot> PgUsageHistory::ReadDashboard(std::int64_t now_ms, int chart_minutes,
                                                        const TenantPageRequest& page) {
  const std::string operation = "store: read the dashboard (" + std::to_string(page.limit) + " tenants" +
                                (page.after ? " after '" + *page.after + "')" : std::string(")"));
  return RunWithRetries<DashboardSnapshot>(*connection_, operation, kMaxRetries,
                                           [&] { return ReadDashboardOnce(now_ms, chart_minutes, page); });
}

Result<DashboardSnapshot> PgUsageHistory::ReadDashboardOnce(std::int64_t now_ms, int chart_minutes,
                                                            const TenantPageRequest& page) {
  DashboardSnapshot snapshot;
  snapshot.read_at_ms = now_ms;
  snapshot.chart_minutes = chart_minutes;
  const std::int64_t chart_end_ms = (now_ms / kMinuteMs + 1) * kMinuteMs;
  snapshot.chart_start_ms = chart_end_ms - chart_minutes * kMinuteMs;

  // One snapshot for both statements: a card's chart and total agree.
  pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(connection_->Get(), "read_dashboard");
  std::unordered_map<std::string, std::size_t> index_of;
  const pqxx::result rows =
      tx.exec_prepared("fm_dashboard_tenants", pg_tenant::PeriodsJson(now_ms), page.after.value_or(""), page.limit + 1);
  for (const pqxx::row& row : rows) {
    const std::string id = row[0].as<std::string>();
    auto [found, inserted] = index_of.try_emplace(id, snapshot.tenants.size());
    if (inserted && snapshot.tenants.size() == static_cast<std::size_t>(page.limit)) {
      // The extra tenant: another page follows, after this page's last.
      snapshot.next_after = snapshot.tenants.back().usage.tenant_name;
      index_of.erase(found);
      break;
    }
    if (inserted) snapshot.tenants.push_back(TenantFromRow(row, chart_minutes));
    if (row[6].is_null()) continue;
    TenantUsage& usage = snapshot.tenants[found->second].usage;
    FeatureUsage feature{row[6].as<std::string>(), TokenSumField(row[7]), row[8].as<std::int64_t>()};
    usage.total_tokens += feature.tokens;
    usage.features.push_back(std::move(feature));
  }
  std::string page_ids = "{";
  for (const DashboardTenant& tenant : snapshot.tenants) page_ids += (page_ids.size() > 1 ? "," : "") + tenant.usage.tenant_id;
  page_ids += "}";
  for (const pqxx::row& row : tx.exec_prepared("fm_dashboard_minutes", snapshot.chart_start_ms, chart_end_ms, page_ids)) {
    const auto found = index_of.find(row[0].as<std::string>());
    if (found == index_of.end()) continue;
    const std::int64_t minute = (row[1].as<std::int64_t>() - snapshot.chart_start_ms) / kMinuteMs;
    if (minute < 0 || minute >= chart_minutes) continue;
    snapshot.tenants[found->second].minute_tokens[static_cast<std::size_t>(minute)] = TokenSumField(row[2]);
  }
  tx.commit();
  return snapshot;
}

}  // namespace flagmeter
