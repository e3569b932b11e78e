#pragma once

#include <cstdint>
#include <string>

#include <pqxx/row>

#include "flagmeter/store/tenant_store.hpp"

namespace flagmeter::pg_tenant {

/// The billing periods of every billing day (1..28) at `now_ms`, as JSON
/// [{"d":day,"s":start ms,"e":end ms}...], for joining on tenants.billing_day
/// so that SQL uses exactly the periods BillingPeriodAt computes.
std::string PeriodsJson(std::int64_t now_ms);

/// The select list that TenantFromRow reads, over `tenants t` joined with
/// the periods as `p` and a lateral usage sum as `u(total)`.
extern const char kTenantColumns[];

/// The FROM clause giving t, p and u for kTenantColumns; $1 is PeriodsJson.
extern const char kTenantFrom[];

TenantOverview TenantFromRow(const pqxx::row& row);

}  // namespace flagmeter::pg_tenant
