#include "flagmeter/tenants/tenant_creator.hpp"

#include <chrono>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fakes/fake_tenant_store.hpp"

namespace flagmeter {
namespace {

using namespace std::chrono_literals;

class TenantCreatorTest : public ::testing::Test {
 protected:
  std::unique_ptr<TenantCreator> MakeCreator(TenantCreationLimits limits) {
    auto creator = std::make_unique<TenantCreator>(limits, [this] { return fake_.NewStore(); });
    creator->Start();
    return creator;
  }

  static Result<TenantCreator::Admissions> AdmitNow(TenantCreator& creator, std::vector<std::string> names) {
    auto promise = std::make_shared<std::promise<Result<TenantCreator::Admissions>>>();
    auto answer = promise->get_future();
    creator.Admit(std::move(names), [promise](const Result<TenantCreator::Admissions>& r) { promise->set_value(r); });
    if (answer.wait_for(10s) != std::future_status::ready) return Status::Internal("test: no answer in 10 s");
    return answer.get();
  }

  fakes::FakeTenantStore fake_;
};

TEST_F(TenantCreatorTest, CreatesNewTenantsUpToTheBoundAndReportsTheRest) {
  auto creator = MakeCreator({.auto_create = true, .max_tenants = 3, .max_queued = 100});
  Result<TenantCreator::Admissions> first = AdmitNow(*creator, {"a", "b"});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, (TenantCreator::Admissions{{"a", TenantAdmission::kExists}, {"b", TenantAdmission::kExists}}));
  Result<TenantCreator::Admissions> second = AdmitNow(*creator, {"a", "c", "d"});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, (TenantCreator::Admissions{{"a", TenantAdmission::kExists},
                                                {"c", TenantAdmission::kExists},
                                                {"d", TenantAdmission::kOverLimit}}));
  EXPECT_EQ(fake_.TenantCount(), 3u);
}

TEST_F(TenantCreatorTest, WithoutAutoCreationReportsUnknownTenantsAndCreatesNone) {
  std::unique_ptr<TenantStore> admin = fake_.NewStore();
  bool created = false;
  ASSERT_TRUE(admin->PutTenant("acme", {}, 0, created).ok());
  auto creator = MakeCreator({.auto_create = false, .max_tenants = 100, .max_queued = 100});
  Result<TenantCreator::Admissions> answer = AdmitNow(*creator, {"acme", "globex"});
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(*answer, (TenantCreator::Admissions{{"acme", TenantAdmission::kExists},
                                                {"globex", TenantAdmission::kNotFound}}));
  EXPECT_EQ(fake_.TenantCount(), 1u);
}

TEST_F(TenantCreatorTest, NamesBeyondTheQueueBoundAreRefusedAtOnce) {
  TenantCreator stopped({.max_queued = 10}, [this] { return fake_.NewStore(); });  // not started: nothing drains
  Result<TenantCreator::Admissions> answer = AdmitNow(stopped, {"a"});
  EXPECT_FALSE(answer.ok());
  auto creator = MakeCreator({.max_queued = 2});
  Result<TenantCreator::Admissions> too_many = AdmitNow(*creator, {"a", "b", "c"});
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.status().message().find("TENANT_CREATION_QUEUE"), std::string::npos);
  EXPECT_TRUE(AdmitNow(*creator, {"a", "b"}).ok());
}

TEST_F(TenantCreatorTest, ACreatorThreadThatThrowsIsRestartedAndServesTheQueuedNames) {
  ThreadHealth health;
  int made = 0;
  TenantCreator creator({.auto_create = true, .max_tenants = 10, .max_queued = 10},
                        [this, &made]() -> std::unique_ptr<TenantStore> {
                          if (++made == 1) throw std::runtime_error("cannot connect");
                          return fake_.NewStore();
                        },
                        &health);
  creator.Start();
  Result<TenantCreator::Admissions> answer = AdmitNow(creator, {"acme"});
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(*answer, (TenantCreator::Admissions{{"acme", TenantAdmission::kExists}}));
  EXPECT_EQ(made, 2);
  EXPECT_EQ(health.Snapshot()[static_cast<std::size_t>(ThreadGroup::kTenantCreator)].restarts, 1);
  EXPECT_FALSE(health.Degraded());
}

}  // namespace
}  // namespace flagmeter
