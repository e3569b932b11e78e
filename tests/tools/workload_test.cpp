#include "load/workload.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace flagmeter::load {
namespace {

TEST(Workload, EventBodyIsTheSeedsJsonWithEscapedNames) {
  Options options;
  options.tenants = {"acme \"corp\""};
  options.features = {"gpt-4o"};
  options.tenant_prefix = "p/";
  const Workload workload(options);
  const auto json = nlohmann::json::parse(workload.EventBody(0, 0, 1234));
  EXPECT_EQ(json["tenant"], "p/acme \"corp\"");
  EXPECT_EQ(json["feature"], "gpt-4o");
  EXPECT_EQ(json["tokens"], 1234);
  EXPECT_EQ(workload.tenant(0), "p/acme \"corp\"");
  EXPECT_EQ(workload.usage_path(0), "/api/usage/p%2Facme%20%22corp%22");
  EXPECT_EQ(workload.events_path(), "/api/events");
}

TEST(Workload, PathsCarryTheBaseUrlPrefix) {
  Options options;
  options.base_url.path_prefix = "/meter";
  const Workload workload(options);
  EXPECT_EQ(workload.events_path(), "/meter/api/events");
  EXPECT_EQ(workload.metrics_path(), "/meter/metrics");
  EXPECT_EQ(workload.usage_path(1), "/meter/api/usage/globex-inc");
}

TEST(Workload, EventChecks) {
  EXPECT_TRUE(CheckEventAnswer(201, R"({"success":true,"eventId":"0190-abc"})").All());
  const EventChecks wrong_status = CheckEventAnswer(200, R"({"success":true,"eventId":"x"})");
  EXPECT_FALSE(wrong_status.status_201);
  EXPECT_TRUE(wrong_status.success_true);
  EXPECT_FALSE(CheckEventAnswer(201, R"({"success":false,"eventId":"x"})").success_true);
  EXPECT_FALSE(CheckEventAnswer(201, R"({"success":"true","eventId":"x"})").success_true);
  EXPECT_FALSE(CheckEventAnswer(201, R"({"success":true,"eventId":""})").has_event_id);
  EXPECT_FALSE(CheckEventAnswer(201, "not json").All());
  EXPECT_FALSE(CheckEventAnswer(0, "").All());
}

TEST(Workload, UsageChecks) {
  EXPECT_TRUE(CheckUsageAnswer(200, R"({"tenantName":"a","quotaPercent":0})").All());
  EXPECT_FALSE(CheckUsageAnswer(200, R"({"tenantName":"a"})").has_quota_percent);
  EXPECT_FALSE(CheckUsageAnswer(404, R"({"error":"Tenant 'a' not found"})").All());
}

TEST(Workload, PercentEncodeKeepsUnreservedOnly) {
  EXPECT_EQ(PercentEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(PercentEncode("a b+c%"), "a%20b%2Bc%25");
  EXPECT_EQ(PercentEncode("é"), "%C3%A9");
}

}  // namespace
}  // namespace flagmeter::load
