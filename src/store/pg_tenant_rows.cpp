#include "store/pg_tenant_rows.hpp"

#include <nlohmann/json.hpp>
#include <pqxx/field>

#include "flagmeter/core/billing_period.hpp"
#include "store/pg_token_sum.hpp"

namespace flagmeter::pg_tenant {

std::string PeriodsJson(std::int64_t now_ms) {
  nlohmann::json periods = nlohmann::json::array();
  for (int day = 1; day <= 28; ++day) {
    const BillingPeriod period = BillingPeriodAt(now_ms, day);
    periods.push_back({{"d", day}, {"s", period.start_ms}, {"e", period.end_ms}});
  }
  return periods.dump();
}

const char kTenantColumns[] = R"sql(
  t.id::text, t.name, t.monthly_quota, t.billing_day, t.webhook_url,
  array_to_json(t.alert_thresholds)::text, u.total, p.s, p.e,
  (extract(epoch FROM t.created_at) * 1000)::bigint,
  (extract(epoch FROM t.updated_at) * 1000)::bigint
)sql";

// Day rows start at UTC midnight, as periods do, so the day rollups cover a
// period exactly.
const char kTenantFrom[] = R"sql(
  tenants t
  JOIN json_to_recordset($1::json) AS p (d int, s bigint, e bigint) ON p.d = t.billing_day
  CROSS JOIN LATERAL (
    SELECT coalesce(sum(tokens), 0) AS total FROM usage_day
    WHERE tenant_id = t.id
      AND day >= timestamptz 'epoch' + p.s * interval '1 millisecond'
      AND day <  timestamptz 'epoch' + p.e * interval '1 millisecond'
  ) AS u
)sql";

TenantOverview TenantFromRow(const pqxx::row& row) {
  TenantOverview tenant;
  tenant.tenant_id = row[0].as<std::string>();
  tenant.tenant_name = row[1].as<std::string>();
  tenant.monthly_quota = row[2].as<std::int64_t>();
  tenant.billing_day = row[3].as<int>();
  if (!row[4].is_null()) tenant.webhook_url = row[4].as<std::string>();
  for (const auto& value : nlohmann::json::parse(row[5].as<std::string>("[]"))) {
    tenant.alert_thresholds.push_back(value.get<int>());
  }
  tenant.total_tokens = TokenSumField(row[6]);
  tenant.period_start_ms = row[7].as<std::int64_t>();
  tenant.period_end_ms = row[8].as<std::int64_t>();
  tenant.created_at_ms = row[9].as<std::int64_t>();
  tenant.updated_at_ms = row[10].as<std::int64_t>();
  return tenant;
}

}  // namespace flagmeter::pg_tenant
