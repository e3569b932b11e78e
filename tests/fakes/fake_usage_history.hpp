#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fakes/fake_usage_reader.hpp"
#include "flagmeter/store/usage_history.hpp"

namespace flagmeter::fakes {

/// A UsageHistoryReader with made-up rollups: every query gets one bucket in
/// its first window (per feature when asked), the dashboard two tenants
/// (paged like the real one).
class FakeUsageHistory final : public UsageHistoryReader {
 public:
  Result<std::vector<HistoryBucket>> ReadHistory(const HistoryQuery& query) override {
    std::vector<HistoryBucket> buckets;
    if (query.from_ms >= query.to_ms) return buckets;
    if (query.by_feature) {
      buckets.push_back({query.from_ms, "embeddings", 64, 1});
      buckets.push_back({query.from_ms, "gpt-4o", 1200, 3});
    } else {
      buckets.push_back({query.from_ms, query.feature.value_or(""), 1264, 4});
    }
    return buckets;
  }

  Result<DashboardSnapshot> ReadDashboard(std::int64_t now_ms, int chart_minutes,
                                          const TenantPageRequest& page) override {
    DashboardSnapshot snapshot;
    snapshot.read_at_ms = now_ms;
    snapshot.chart_minutes = chart_minutes;
    snapshot.chart_start_ms = (now_ms / 60'000 - chart_minutes + 1) * 60'000;
    FakeUsageReader reader;
    for (const std::string name : {"acme-corp", "globex-inc"}) {
      if (page.after && name <= *page.after) continue;
      if (snapshot.tenants.size() == static_cast<std::size_t>(page.limit)) {
        snapshot.next_after = snapshot.tenants.back().usage.tenant_name;
        break;
      }
      DashboardTenant tenant;
      tenant.usage = reader.ReadUsage(name, now_ms).value();
      tenant.minute_tokens.assign(static_cast<std::size_t>(chart_minutes), 0);
      if (chart_minutes > 0) tenant.minute_tokens.back() = 1264;
      snapshot.tenants.push_back(std::move(tenant));
    }
    return snapshot;
  }
};

}  // namespace flagmeter::fakes
