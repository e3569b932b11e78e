#include "flagmeter/tenants/tenant_settings.hpp"

#include <gtest/gtest.h>

namespace flagmeter {
namespace {

std::vector<FieldError> Errors(std::string_view body) {
  auto parsed = ParseTenantUpdate(body);
  auto* errors = std::get_if<std::vector<FieldError>>(&parsed);
  return errors ? *errors : std::vector<FieldError>{};
}

TEST(TenantSettings, ReadsEveryFieldAndSortsThresholds) {
  auto parsed = ParseTenantUpdate(
      R"({"monthlyQuota":9007199254740991,"billingDay":28,"webhookUrl":"https://h.example/x","alertThresholds":[100,50,75]})");
  ASSERT_TRUE(std::holds_alternative<TenantUpdate>(parsed));
  const TenantUpdate& update = std::get<TenantUpdate>(parsed);
  EXPECT_EQ(update.monthly_quota, 9007199254740991);
  EXPECT_EQ(update.billing_day, 28);
  EXPECT_TRUE(update.set_webhook_url);
  EXPECT_EQ(update.webhook_url, "https://h.example/x");
  EXPECT_EQ(update.alert_thresholds, (std::vector<int>{50, 75, 100}));
}

TEST(TenantSettings, OmittedFieldsStayUnsetAndNullClearsTheWebhook) {
  const TenantUpdate empty = std::get<TenantUpdate>(ParseTenantUpdate("{}"));
  EXPECT_FALSE(empty.monthly_quota.has_value());
  EXPECT_FALSE(empty.set_webhook_url);
  const TenantUpdate cleared = std::get<TenantUpdate>(ParseTenantUpdate(R"({"webhookUrl":null,"monthlyQuota":0})"));
  EXPECT_TRUE(cleared.set_webhook_url);
  EXPECT_FALSE(cleared.webhook_url.has_value());
  EXPECT_EQ(cleared.monthly_quota, 0);
}

TEST(TenantSettings, RejectsBadValuesWithTheirPaths) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[]", ""},
      {"{", ""},
      {R"({"monthlyQuota":-1})", "monthlyQuota"},
      {R"({"monthlyQuota":9007199254740992})", "monthlyQuota"},
      {R"({"monthlyQuota":1e3})", "monthlyQuota"},
      {R"({"monthlyQuota":null})", "monthlyQuota"},
      {R"({"billingDay":0})", "billingDay"},
      {R"({"billingDay":29})", "billingDay"},
      {R"({"billingDay":true})", "billingDay"},
      {R"({"webhookUrl":"mailto:x@y"})", "webhookUrl"},
      {R"({"alertThresholds":80})", "alertThresholds"},
      {R"({"alertThresholds":[50,"80"]})", "alertThresholds[1]"},
      {R"({"alertThresholds":[50,50]})", "alertThresholds[1]"},
      {R"({"alertThresholds":[1001]})", "alertThresholds[0]"},
      {R"({"quota":5})", "quota"},
  };
  for (const auto& [body, path] : cases) {
    const std::vector<FieldError> errors = Errors(body);
    ASSERT_FALSE(errors.empty()) << body;
    EXPECT_EQ(errors.front().path, path) << body;
  }
  EXPECT_EQ(Errors(R"({"monthlyQuota":-1,"billingDay":0,"extra":1})").size(), 3u);
}

TEST(WebhookUrlParsing, SplitsHostPortAndTarget) {
  Result<WebhookUrl> plain = ParseWebhookUrl("http://127.0.0.1:8080/hooks/a?x=1");
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->https);
  EXPECT_EQ(plain->host, "127.0.0.1");
  EXPECT_EQ(plain->port, "8080");
  EXPECT_EQ(plain->target, "/hooks/a?x=1");
  Result<WebhookUrl> tls = ParseWebhookUrl("https://hooks.slack.com");
  ASSERT_TRUE(tls.ok());
  EXPECT_TRUE(tls->https);
  EXPECT_EQ(tls->port, "443");
  EXPECT_EQ(tls->target, "/");
  Result<WebhookUrl> v6 = ParseWebhookUrl("http://[::1]:9000/x");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, "9000");
  for (const char* bad : {"ftp://x", "http://", "http://:80/", "http://u:p@host/", "http://h:0/", "http://h:99999/",
                          "http://h/a b", "http://h/#frag", "http://[::1/"}) {
    EXPECT_FALSE(ParseWebhookUrl(bad).ok()) << bad;
  }
  EXPECT_FALSE(ParseWebhookUrl("http://h/" + std::string(2048, 'a')).ok());
}

}  // namespace
}  // namespace flagmeter
