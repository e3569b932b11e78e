#pragma once

#include <string>

#include "flagmeter/core/billing_period.hpp"
#include "flagmeter/store/usage_reader.hpp"

namespace flagmeter::fakes {

/// A UsageReader with made-up usage: a tenant whose name starts with
/// "missing" does not exist, every other one has two features in its
/// current period. For the logic around reads (the usage service, handlers,
/// the HTTP fuzzer), never for what the database answers.
class FakeUsageReader final : public UsageReader {
 public:
  Result<TenantUsage> ReadUsage(const std::string& tenant_name, std::int64_t now_ms) override {
    if (tenant_name.rfind("missing", 0) == 0) return Status::NotFound("Tenant '" + tenant_name + "' not found");
    TenantUsage usage;
    usage.tenant_id = "00000000-0000-4000-8000-000000000001";
    usage.tenant_name = tenant_name;
    usage.monthly_quota = 1'000'000'000;
    usage.billing_day = 1;
    const BillingPeriod period = BillingPeriodAt(now_ms, usage.billing_day);
    usage.period_start_ms = period.start_ms;
    usage.period_end_ms = period.end_ms;
    usage.features = {{"gpt-4o", 1200, 3}, {"embeddings", 64, 1}};
    usage.total_tokens = 1264;
    return usage;
  }

  Status Ping() override { return Status::Ok(); }
};

}  // namespace flagmeter::fakes
