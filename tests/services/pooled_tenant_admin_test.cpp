#include "flagmeter/services/pooled_tenant_admin.hpp"

#include <chrono>
#include <future>

#include <gtest/gtest.h>

#include "fakes/fake_tenant_store.hpp"
#include "flagmeter/tenants/crypto.hpp"
#include "flagmeter/tenants/key_registry.hpp"
#include "services/reply_waiter.hpp"

namespace flagmeter {
namespace {

using testing::WaitForReply;

Result<KeyVerdict> CheckNow(KeyRegistry& keys, const std::string& key) {
  std::promise<Result<KeyVerdict>> promise;
  keys.Check(key, [&promise](const Result<KeyVerdict>& verdict) { promise.set_value(verdict); });
  return promise.get_future().get();
}

struct Admin {
  fakes::FakeTenantStore store;
  AdminPool pool{WorkPoolOptions{.group = ThreadGroup::kAdmin, .name = "admin"}, [this] { return store.NewStore(); }};
  KeyRegistry keys{std::chrono::hours(1), [this] { return store.NewStore(); }};
  std::vector<std::string> changed;  // tenants whose settings changed
  PooledTenantAdmin service{pool, keys, [this](const std::string& tenant) { changed.push_back(tenant); },
                            [](const std::string& url) {
                              if (url.find("10.0.0.5") == std::string::npos) return Status::Ok();
                              return Status::InvalidArgument("resolves to a private address");
                            }};
  Admin() {
    pool.Start();
    keys.Start();
  }
};

TEST(PooledTenantAdmin, PutCreatesThenUpdatesAndReportsTheChange) {
  Admin admin;
  TenantUpdate update;
  update.monthly_quota = 5000;
  auto written = WaitForReply<TenantWrite>([&](auto done) { admin.service.PutTenant("acme", update, done); });
  ASSERT_TRUE(written->ok()) << written->status().ToString();
  EXPECT_TRUE(written->value().created);
  EXPECT_EQ(written->value().details.overview.monthly_quota, 5000);
  written = WaitForReply<TenantWrite>([&](auto done) { admin.service.PutTenant("acme", update, done); });
  EXPECT_FALSE(written->value().created);
  EXPECT_EQ(admin.changed, (std::vector<std::string>{"acme", "acme"}));
}

TEST(PooledTenantAdmin, ARefusedWebhookUrlWritesNothing) {
  Admin admin;
  TenantUpdate update;
  update.webhook_url = "http://10.0.0.5/hook";
  const auto written = WaitForReply<TenantWrite>([&](auto done) { admin.service.PutTenant("acme", update, done); });
  ASSERT_TRUE(written->ok());
  EXPECT_EQ(written->value().webhook_url_refused, "resolves to a private address");
  EXPECT_EQ(admin.store.TenantCount(), 0u);
  EXPECT_TRUE(admin.changed.empty());
}

TEST(PooledTenantAdmin, AKeyIsValidHereAtOnceAndRefusedOnceRevoked) {
  Admin admin;
  ASSERT_TRUE(WaitForReply<TenantWrite>([&](auto done) { admin.service.PutTenant("acme", {}, done); })->ok());
  const auto created = WaitForReply<CreatedKey>([&](auto done) { admin.service.CreateKey("acme", done); });
  ASSERT_TRUE(created->ok()) << created->status().ToString();
  const std::string key = created->value().key.key;
  EXPECT_EQ(created->value().info.key_id, created->value().key.key_id);
  Result<KeyVerdict> verdict = CheckNow(admin.keys, key);
  ASSERT_TRUE(verdict.ok());
  EXPECT_EQ(verdict->kind, KeyVerdict::Kind::kValid);
  EXPECT_EQ(verdict->tenant, "acme");
  const auto revoked = WaitForReply<ApiKeyEntry>(
      [&](auto done) { admin.service.RevokeKey("acme", created->value().key.key_id, done); });
  ASSERT_TRUE(revoked->ok());
  EXPECT_EQ(CheckNow(admin.keys, key)->kind, KeyVerdict::Kind::kRevoked);
  // Keys of a tenant that does not exist are not made.
  EXPECT_EQ(WaitForReply<CreatedKey>([&](auto done) { admin.service.CreateKey("ghost", done); })->status().code(),
            Status::Code::kNotFound);
}

TEST(PooledTenantAdmin, AStoppedPoolAnswersUnavailable) {
  Admin admin;
  admin.pool.Stop();
  const auto listed = WaitForReply<TenantOverviewPage>([&](auto done) { admin.service.ListTenants({}, done); });
  EXPECT_EQ(listed->status().code(), Status::Code::kUnavailable);
}

}  // namespace
}  // namespace flagmeter
