#include "flagmeter/http/api_json.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace flagmeter {
namespace {

using nlohmann::json;

TEST(ApiJson, ErrorBodiesStayValidJsonWhateverBytesTheRequestHeld) {
  // A raw 0xFF, half of a two-byte character, an overlong encoding and a
  // lone surrogate, as a client can put them in a path or a method.
  const std::string bad = std::string("/api/\xFF/x\xC3") + "\xC0\xAF" + "\xED\xA0\x80";
  const json error = json::parse(ErrorJson(NoRouteMessage("GET", bad)));
  EXPECT_EQ(error["error"].get<std::string>().rfind("No route for GET /api/\xEF\xBF\xBD/x", 0), 0u);
  EXPECT_NO_THROW(json::parse(ErrorJson(MethodNotAllowedMessage("G\xE9T", "POST"))));
  const json validation = json::parse(ValidationErrorJson({{"tenant", "tenant \xF0\x9F"}}));
  EXPECT_EQ(validation["details"][0]["message"], "tenant \xEF\xBF\xBD");
}

TEST(ApiJson, NoRouteMessageCutsTheTargetAt200Bytes) {
  const std::string message = NoRouteMessage("GET", std::string(500, 'a'));
  EXPECT_EQ(message, "No route for GET " + std::string(200, 'a'));
  // Cutting inside a multi-byte character still gives valid JSON.
  std::string target = std::string(199, 'a') + "\xC3\xA9";
  EXPECT_NO_THROW(json::parse(ErrorJson(NoRouteMessage("GET", target))));
}

TEST(ApiJson, UsageHasEveryFieldOfTheContract) {
  TenantUsage usage;
  usage.tenant_id = "6f1c0000-0000-4000-8000-000000000000";
  usage.tenant_name = "acme-corp";
  usage.monthly_quota = 1'000'000;
  usage.total_tokens = 820'000;
  usage.period_start_ms = 1'793'491'200'000;  // 2026-11-01T00:00:00Z
  usage.period_end_ms = 1'796'083'200'000;    // 2026-12-01T00:00:00Z
  usage.features = {{"gpt-4o", 500'000, 120}, {"claude", 320'000, 7}};
  const json body = json::parse(UsageJson(usage));
  EXPECT_EQ(body["tenant"], usage.tenant_id);
  EXPECT_EQ(body["tenantName"], "acme-corp");
  EXPECT_EQ(body["totalTokens"], 820'000);
  EXPECT_EQ(body["monthlyQuota"], 1'000'000);
  EXPECT_EQ(body["quotaPercent"], 82);
  EXPECT_EQ(body["periodStart"], "2026-11-01T00:00:00Z");
  EXPECT_EQ(body["periodEnd"], "2026-12-01T00:00:00Z");
  EXPECT_EQ(body["features"][0], json({{"feature", "gpt-4o"}, {"tokens", 500'000}, {"events", 120}}));
}

// 1,200 events of 2^53 - 1 tokens: past 2^63, written as exact digits.
TEST(ApiJson, UsageSumsBeyond64BitsAreExactIntegers) {
  TenantUsage usage;
  usage.monthly_quota = 1'000'000'000;
  usage.total_tokens = static_cast<TokenSum>(9'007'199'254'740'991) * 1200 * 2;
  usage.features = {{"gpt-4o", usage.total_tokens / 2, 1200}, {"claude", usage.total_tokens / 2, 1200}};
  const std::string text = UsageJson(usage);
  EXPECT_NE(text.find(R"("totalTokens":21617278211378378400,"monthlyQuota":1000000000,"quotaPercent":2161727821138,)"),
            std::string::npos) << text;
  EXPECT_NE(text.find(R"({"feature":"gpt-4o","tokens":10808639105689189200,"events":1200})"), std::string::npos) << text;
  EXPECT_TRUE(json::accept(text));
}

TEST(ApiJson, UsageWithAwkwardNamesAndNoFeaturesIsValidJson) {
  TenantUsage usage;
  usage.tenant_name = "a \"quoted\" \\ name\n";
  usage.billing_day = 28;
  const json body = json::parse(UsageJson(usage));
  EXPECT_EQ(body["tenantName"], usage.tenant_name);
  EXPECT_EQ(body["billingDay"], 28);
  EXPECT_EQ(body["features"], json::array());
  EXPECT_EQ(body.size(), 9u);
}

TEST(ApiJson, AcceptedNamesOneEventOrABatch) {
  ParsedEvents one;
  one.events.push_back(Event{.id = "e\"1"});
  EXPECT_EQ(json::parse(AcceptedJson(one)), json({{"success", true}, {"eventId", "e\"1"}}));
  ParsedEvents batch;
  batch.is_batch = true;
  batch.events = {Event{.id = "a"}, Event{.id = "b"}};
  EXPECT_EQ(json::parse(AcceptedJson(batch)),
            json({{"success", true}, {"eventIds", {"a", "b"}}, {"count", 2}}));
}

TEST(ApiJson, ValidationErrorsListEveryDetail) {
  const json body = json::parse(ValidationErrorJson({{"tokens", "bad"}, {"[1].tenant", "worse"}}));
  EXPECT_EQ(body["error"], "Invalid request body");
  EXPECT_EQ(body["details"][1], json({{"path", "[1].tenant"}, {"message", "worse"}}));
}

TEST(ApiJson, HealthNamesTheServiceThatIsDown) {
  const json down = json::parse(HealthJson(HealthSnapshot{.database_up = true, .valkey_up = false}, 0));
  EXPECT_EQ(down["status"], "unhealthy");
  EXPECT_EQ(down["services"]["valkey"], "down");
  EXPECT_EQ(down["services"]["database"], "up");
  EXPECT_EQ(down["timestamp"], "1970-01-01T00:00:00Z");
  const json up = json::parse(HealthJson(HealthSnapshot{.database_up = true, .valkey_up = true}, 0));
  EXPECT_EQ(up["status"], "healthy");
}

TEST(ApiJson, HealthIsDegradedWhileAThreadGroupIsShort) {
  HealthSnapshot health{.database_up = true, .valkey_up = true};
  health.threads = {{ThreadGroup::kWorkers, 2, 2, 0}, {ThreadGroup::kPusher, 1, 1, 0}};
  EXPECT_EQ(HealthStateOf(health), HealthState::kHealthy);
  health.threads[0].running = 1;
  health.threads[0].restarts = 3;
  EXPECT_EQ(HealthStateOf(health), HealthState::kDegraded);
  const json body = json::parse(HealthJson(health, 0));
  EXPECT_EQ(body["status"], "degraded");
  EXPECT_EQ(body["threads"]["workers"], json({{"expected", 2}, {"running", 1}, {"restarts", 3}}));
  EXPECT_EQ(body["threads"]["pusher"]["running"], 1);
  health.valkey_up = false;  // a service down outranks a short group
  EXPECT_EQ(HealthStateOf(health), HealthState::kUnhealthy);
}

TEST(ApiJson, UsageSumsTheFeaturesItLeavesOutInOtherFeatures) {
  TenantUsage usage;
  usage.total_tokens = 100;
  usage.features = {{"big", 60, 2}};
  EXPECT_FALSE(json::parse(UsageJson(usage)).contains("otherFeatures"));
  usage.other_features = {3, 40, 5};
  const json body = json::parse(UsageJson(usage));
  EXPECT_EQ(body["features"].size(), 1u);
  EXPECT_EQ(body["otherFeatures"], json({{"count", 3}, {"tokens", 40}, {"events", 5}}));
  EXPECT_EQ(body["totalTokens"], 100);
}

}  // namespace
}  // namespace flagmeter
