#include "flagmeter/store/pg_usage_reader.hpp"

#include <utility>
#include <vector>

#include <pqxx/pqxx>

#include "flagmeter/core/billing_period.hpp"
#include "store/pg_connection.hpp"
#include "store/pg_errors.hpp"
#include "store/pg_token_sum.hpp"

namespace flagmeter {
namespace {

// Reads are idempotent, so only a stale connection is retried (once).
constexpr int kMaxRetries = 0;
constexpr char kStatementTimeout[] = "5000";  // milliseconds

constexpr char kFindTenantSql[] =
    "SELECT id::text, name, monthly_quota, billing_day FROM tenants WHERE name = $1";

// Day rows start at UTC midnight and periods start on a UTC midnight, so the
// day rollups cover [start, end) exactly. COLLATE "C": the order must not
// depend on the database's locale. At most $4 features come back (the
// largest); every row also carries the count and sums over all of them, so
// the rest can be summed without reading them.
constexpr char kUsageByFeatureSql[] = R"sql(
SELECT feature, tokens, events,
       count(*) OVER () AS all_features, sum(tokens) OVER () AS all_tokens,
       sum(events) OVER ()::bigint AS all_events
FROM (
  SELECT feature, sum(tokens) AS tokens, sum(events)::bigint AS events
  FROM usage_day
  WHERE tenant_id = $1::uuid
    AND day >= timestamptz 'epoch' + $2::bigint * interval '1 millisecond'
    AND day <  timestamptz 'epoch' + $3::bigint * interval '1 millisecond'
  GROUP BY feature
  HAVING sum(events) > 0  -- a feature whose only event was replaced by an earlier copy
) AS per_feature
ORDER BY tokens DESC, feature COLLATE "C"
LIMIT $4::bigint
)sql";

}  // namespace

PgUsageReader::PgUsageReader(std::string database_url, std::size_t max_features)
    : max_features_(max_features),
      connection_(std::make_unique<PgConnection>(
          std::move(database_url),
          std::vector<PreparedStatement>{{"fm_find_tenant", kFindTenantSql},
                                         {"fm_usage_by_feature", kUsageByFeatureSql}},
          std::vector<std::pair<std::string, std::string>>{
              {"statement_timeout", kStatementTimeout}})) {}

PgUsageReader::~PgUsageReader() = default;

Result<TenantUsage> PgUsageReader::ReadUsage(const std::string& tenant_name,
                                             std::int64_t now_ms) {
  const std::string operation = "store: read usage of tenant '" + tenant_name + "'";
  return RunWithRetries<TenantUsage>(*connection_, operation, kMaxRetries,
                                     [&] { return ReadOnce(tenant_name, now_ms); });
}

Status PgUsageReader::Ping() {
  Result<bool> answered = RunWithRetries<bool>(*connection_, "store: ping", kMaxRetries, [&] {
    pqxx::nontransaction tx(connection_->Get(), "ping");
    tx.exec1("SELECT 1");
    tx.commit();
    return Result<bool>(true);
  });
  return answered.ok() ? Status::Ok() : answered.status();
}

Result<TenantUsage> PgUsageReader::ReadOnce(const std::string& tenant_name, std::int64_t now_ms) {
  // Autocommit: two single-statement reads need no BEGIN/COMMIT round trips.
  pqxx::nontransaction tx(connection_->Get(), "read_usage");
  const pqxx::result tenant = tx.exec_prepared("fm_find_tenant", tenant_name);
  if (tenant.empty()) return Status::NotFound("Tenant '" + tenant_name + "' not found");

  TenantUsage usage;
  usage.tenant_id = tenant[0][0].as<std::string>();
  usage.tenant_name = tenant[0][1].as<std::string>();
  usage.monthly_quota = tenant[0][2].as<std::int64_t>();
  usage.billing_day = tenant[0][3].as<int>();
  const BillingPeriod period = BillingPeriodAt(now_ms, usage.billing_day);
  usage.period_start_ms = period.start_ms;
  usage.period_end_ms = period.end_ms;

  const pqxx::result rows = tx.exec_prepared("fm_usage_by_feature", usage.tenant_id,
                                             period.start_ms, period.end_ms,
                                             static_cast<std::int64_t>(max_features_));
  tx.commit();
  if (rows.empty()) return usage;
  usage.features.reserve(rows.size());
  TokenSum listed_tokens = 0;
  std::int64_t listed_events = 0;
  for (const pqxx::row& row : rows) {
    FeatureUsage feature{row[0].as<std::string>(), TokenSumField(row[1]), row[2].as<std::int64_t>()};
    listed_tokens += feature.tokens;
    listed_events += feature.events;
    usage.features.push_back(std::move(feature));
  }
  // Every row carries the count and sums over all features: the rest are
  // those less the listed ones.
  const pqxx::row all = rows[0];
  usage.total_tokens = TokenSumField(all[4]);
  usage.other_features.count = all[3].as<std::int64_t>() - static_cast<std::int64_t>(rows.size());
  usage.other_features.tokens = usage.total_tokens - listed_tokens;
  usage.other_features.events = all[5].as<std::int64_t>() - listed_events;
  return usage;
}

}  // namespace flagmeter
