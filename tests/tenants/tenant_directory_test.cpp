#include "flagmeter/tenants/tenant_directory.hpp"

#include <future>
#include <memory>

#include <gtest/gtest.h>

#include "fakes/fake_tenant_store.hpp"
#include "flagmeter/tenants/tenant_creator.hpp"

namespace flagmeter {
namespace {

Status AdmitNow(TenantDirectory& directory, const std::vector<std::string>& names) {
  auto promise = std::make_shared<std::promise<Status>>();
  directory.Admit(names, [promise](const Status& status) { promise->set_value(status); });
  return promise->get_future().get();
}

struct Directory {
  explicit Directory(TenantCreationLimits limits) : creator(limits, [this] { return store.NewStore(); }) {
    creator.Start();
  }
  fakes::FakeTenantStore store;
  TenantCreator creator;
  std::vector<std::string> admitted;  // what the listener heard
  TenantDirectory directory{100, &creator, [this](const std::vector<std::string>& names) {
                              admitted.insert(admitted.end(), names.begin(), names.end());
                            }};
};

TEST(TenantDirectory, CreatesANewTenantOnceThenKnowsItFromMemory) {
  Directory d({.max_tenants = 10});
  EXPECT_FALSE(d.directory.AllKnown({"acme"}));
  EXPECT_TRUE(AdmitNow(d.directory, {"acme", "acme"}).ok());
  EXPECT_EQ(d.store.TenantCount(), 1u);
  EXPECT_EQ(d.admitted, (std::vector<std::string>{"acme"}));
  EXPECT_TRUE(d.directory.AllKnown({"acme"}));
  // Known: answered inline, the creator is not asked and no one is told again.
  EXPECT_TRUE(AdmitNow(d.directory, {"acme"}).ok());
  EXPECT_EQ(d.admitted.size(), 1u);
  // The workers' stores share the same cache.
  EXPECT_TRUE(d.directory.known().Unknown({"acme", "globex"}) == std::vector<std::string>{"globex"});
}

TEST(TenantDirectory, RefusalsNameTheTenantAndTheSetting) {
  Directory off({.auto_create = false});
  Status refused = AdmitNow(off.directory, {"acme"});
  EXPECT_EQ(refused.code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(refused.message().find("Tenant 'acme' does not exist"), std::string::npos);
  EXPECT_NE(refused.message().find("AUTO_CREATE_TENANTS is off"), std::string::npos);
  EXPECT_FALSE(off.directory.AllKnown({"acme"}));

  Directory full({.max_tenants = 1});
  refused = AdmitNow(full.directory, {"a", "b"});
  EXPECT_EQ(refused.code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(refused.message().find("Tenant 'b'"), std::string::npos) << refused.message();
  EXPECT_NE(refused.message().find("limit of 1 tenants (MAX_TENANTS)"), std::string::npos);
  // The one that was created is known, the refused one is not.
  EXPECT_TRUE(full.directory.AllKnown({"a"}));
  EXPECT_FALSE(full.directory.AllKnown({"b"}));
}

TEST(TenantDirectory, ACreatorThatCannotAnswerIsPassedOn) {
  Directory stopped({});
  stopped.creator.Stop();
  EXPECT_EQ(AdmitNow(stopped.directory, {"acme"}).code(), Status::Code::kUnavailable);
  EXPECT_TRUE(stopped.admitted.empty());
}

}  // namespace
}  // namespace flagmeter
