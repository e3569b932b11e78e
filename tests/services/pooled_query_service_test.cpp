#include "flagmeter/services/pooled_query_service.hpp"

#include <gtest/gtest.h>

#include "fakes/fake_usage_history.hpp"
#include "fakes/fake_usage_reader.hpp"
#include "flagmeter/query/history_service.hpp"
#include "flagmeter/query/usage_service.hpp"
#include "services/reply_waiter.hpp"

namespace flagmeter {
namespace {

using testing::WaitForReply;

TEST(PooledQueryService, ReadsUsageHistoryAndTheDashboardOnTheirPools) {
  UsageService usage(1, 0, [] { return std::make_unique<fakes::FakeUsageReader>(); });
  HistoryService history(1, std::chrono::milliseconds(0), [] { return std::make_unique<fakes::FakeUsageHistory>(); });
  usage.Start();
  history.Start();
  PooledQueryService service(usage, history);
  const auto found = WaitForReply<TenantUsage>([&](auto done) { service.Usage("acme", done); });
  ASSERT_TRUE(found->ok());
  EXPECT_EQ(found->value().tenant_name, "acme");
  EXPECT_EQ(found->value().total_tokens, 1264);
  EXPECT_EQ(WaitForReply<TenantUsage>([&](auto done) { service.Usage("missing-1", done); })->status().code(),
            Status::Code::kNotFound);
  EXPECT_TRUE(WaitForReply<std::vector<HistoryBucket>>([&](auto done) { service.History({}, done); })->ok());
  EXPECT_TRUE(WaitForReply<DashboardSnapshot>([&](auto done) { service.Dashboard({}, done); })->ok());
  usage.Stop();
  EXPECT_EQ(WaitForReply<TenantUsage>([&](auto done) { service.Usage("other", done); })->status().code(),
            Status::Code::kUnavailable);
}

}  // namespace
}  // namespace flagmeter
