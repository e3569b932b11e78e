// Threshold alert webhooks, delivered to a local receiver by the real binary.
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "flagmeter/tenants/crypto.hpp"
#include "support/webhook_receiver.hpp"
#include "tenants_fixture.hpp"

namespace flagmeter::test {
namespace {

using std::chrono::milliseconds;

constexpr char kSecret[] = "webhook-signing-secret";

class AlertsTest : public TenantsTest {
 protected:
  std::map<std::string, std::string> ExtraEnv() const override {
    // Receivers listen on loopback, which only WEBHOOK_ALLOW_PRIVATE allows.
    return {{"WEBHOOK_SECRET", kSecret},  {"WEBHOOK_BACKOFF_MS", "100"}, {"WEBHOOK_TIMEOUT_MS", "500"},
            {"WEBHOOK_MAX_TRIES", "3"},   {"WEBHOOK_ALLOW_PRIVATE", "1"}};
  }

  void Configure(const std::string& tenant, const std::string& url) {
    const std::string body = R"({"monthlyQuota":1000,"webhookUrl":")" + url + R"(","alertThresholds":[80,100]})";
    ASSERT_EQ(Admin("PUT", "/api/tenants/" + tenant, body).status, 201);
  }

  std::int64_t Rows(const std::string& where) { return Sql("SELECT count(*) FROM alert_deliveries WHERE " + where); }

  bool WaitForRows(const std::string& where, std::int64_t count, milliseconds timeout = milliseconds(8000)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (Rows(where) == count) return true;
      std::this_thread::sleep_for(milliseconds(50));
    }
    return false;
  }
};

TEST_F(AlertsTest, EachThresholdAlertsOnceWithASignedSlackBody) {
  WebhookReceiver receiver;
  Configure("acme", receiver.Url());
  Send("acme", 500);
  ASSERT_TRUE(WaitForTotal("acme", 500));
  Send("acme", 350);  // 85%: crosses 80
  ASSERT_EQ(receiver.WaitFor(1, milliseconds(5000)).size(), 1u);
  Send("acme", 10);  // still between 80 and 100: nothing new
  Send("acme", 200);  // 106%: crosses 100
  const auto received = receiver.WaitFor(2, milliseconds(5000));
  ASSERT_EQ(received.size(), 2u);
  for (const ReceivedWebhook& hook : received) {
    EXPECT_EQ(hook.method, "POST");
    EXPECT_EQ(hook.target, "/hook");
    EXPECT_EQ(hook.headers.at("content-type"), "application/json");
    // t=<unix seconds>,v1=<HMAC of "t.delivery id.body">, t close to now.
    const std::string signature = hook.headers.at("x-flagmeter-signature");
    const std::string delivery = hook.headers.at("x-flagmeter-delivery");
    ASSERT_EQ(signature.rfind("t=", 0), 0u) << signature;
    const std::size_t comma = signature.find(",v1=");
    ASSERT_NE(comma, std::string::npos) << signature;
    const std::string t = signature.substr(2, comma - 2);
    EXPECT_EQ(signature.substr(comma + 4), HmacSha256Hex(kSecret, t + "." + delivery + "." + hook.body));
    EXPECT_LE(std::abs(std::stoll(t) - std::chrono::duration_cast<std::chrono::seconds>(
                                          std::chrono::system_clock::now().time_since_epoch()).count()), 60);
    const nlohmann::json body = nlohmann::json::parse(hook.body);
    ASSERT_TRUE(body["text"].is_string());
    EXPECT_NE(body["text"].get<std::string>().find("'acme'"), std::string::npos);
  }
  EXPECT_NE(received[0].body.find("80%"), std::string::npos) << received[0].body;
  EXPECT_NE(received[1].body.find("100%"), std::string::npos) << received[1].body;
  ASSERT_TRUE(WaitForRows("status = 'delivered' AND attempts = 1 AND delivered_at IS NOT NULL", 2));
  std::this_thread::sleep_for(milliseconds(1000));
  EXPECT_EQ(receiver.Received().size(), 2u) << "no threshold alerts twice";
  const std::string metrics = client_->Get("/metrics").body;
  EXPECT_NE(metrics.find("flagmeter_alerts_sent_total 2"), std::string::npos);
}

TEST_F(AlertsTest, AWebhookThatFailsTwiceIsDeliveredOnTheThirdTry) {
  WebhookReceiver receiver({.fail_first = 2});
  Configure("acme", receiver.Url());
  Send("acme", 800);
  ASSERT_EQ(receiver.WaitFor(3, milliseconds(5000)).size(), 3u);
  ASSERT_TRUE(WaitForRows("threshold = 80 AND status = 'delivered' AND attempts = 3", 1)) << Rows("true");
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_EQ(receiver.Received().size(), 3u);
  const auto received = receiver.Received();
  EXPECT_EQ(received[0].body, received[2].body) << "every try sends the same body";
}

TEST_F(AlertsTest, AWebhookThatNeverAnswersIsRecordedAsFailed) {
  WebhookReceiver receiver({.never_answer = true});
  Configure("acme", receiver.Url());
  Send("acme", 1000);
  // Both thresholds: 3 tries each, 500 ms timeout, 100 + 200 ms backoff.
  ASSERT_TRUE(WaitForRows("status = 'failed' AND attempts = 3 AND last_error LIKE '%timed out%'", 2))
      << Rows("true");
  EXPECT_EQ(receiver.Received().size(), 6u);
  const std::string metrics = client_->Get("/metrics").body;
  EXPECT_NE(metrics.find("flagmeter_alerts_failed_total 2"), std::string::npos);
}

TEST_F(AlertsTest, ARestartBetweenCrossingsSendsNothingTwice) {
  WebhookReceiver receiver;
  Configure("acme", receiver.Url());
  Send("acme", 850);
  ASSERT_EQ(receiver.WaitFor(1, milliseconds(5000)).size(), 1u);
  ASSERT_TRUE(WaitForRows("status = 'delivered'", 1));
  Restart();
  Send("acme", 10);  // 86%: 80 was already sent before the restart
  ASSERT_TRUE(WaitForTotal("acme", 860));
  std::this_thread::sleep_for(milliseconds(1000));
  EXPECT_EQ(receiver.Received().size(), 1u);
  Send("acme", 150);  // 101%
  ASSERT_EQ(receiver.WaitFor(2, milliseconds(5000)).size(), 2u);
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_EQ(receiver.Received().size(), 2u);
}

TEST_F(AlertsTest, TwoProcessesSendEachAlertOnce) {
  ASSERT_TRUE(StartProcess());
  HttpClient other(processes_[1]->port());
  WebhookReceiver receiver;
  Configure("acme", receiver.Url());
  const std::map<std::string, std::string> auth = {{"Authorization", std::string("Bearer ") + kAdminToken},
                                                   {"Content-Type", "application/json"}};
  // Both processes' workers drain the one queue; both see the crossings.
  for (int i = 0; i < 40; ++i) {
    const std::string event = R"({"tenant":"acme","feature":"f","tokens":30})";
    ASSERT_EQ((i % 2 ? other.Request("POST", "/api/events", event, auth) : Admin("POST", "/api/events", event)).status,
              201);
  }
  ASSERT_TRUE(WaitForTotal("acme", 1200));
  ASSERT_TRUE(WaitForRows("status = 'delivered'", 2));
  std::this_thread::sleep_for(milliseconds(1000));
  EXPECT_EQ(receiver.Received().size(), 2u);
}

class PersistentRetryTest : public AlertsTest {
 protected:
  std::map<std::string, std::string> ExtraEnv() const override {
    auto env = AlertsTest::ExtraEnv();
    env["WEBHOOK_MAX_TRIES"] = "4";
    env["WEBHOOK_BACKOFF_MS"] = "2000";  // long enough to restart between tries
    return env;
  }
};

TEST_F(PersistentRetryTest, ARetryScheduledBeforeARestartIsMadeAfterIt) {
  WebhookReceiver receiver({.fail_first = 2});
  Configure("acme", receiver.Url());
  Send("acme", 800);
  ASSERT_EQ(receiver.WaitFor(1, milliseconds(5000)).size(), 1u);
  ASSERT_TRUE(WaitForRows("status = 'pending' AND attempts = 1 AND next_try_at IS NOT NULL", 1)) << Rows("true");
  Restart();  // the next try waits in the database, not in the stopped process
  EXPECT_EQ(receiver.Received().size(), 1u) << "the old process made no second try";
  ASSERT_EQ(receiver.WaitFor(3, milliseconds(15000)).size(), 3u);
  ASSERT_TRUE(WaitForRows("status = 'delivered' AND attempts = 3 AND next_try_at IS NULL", 1)) << Rows("true");
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_EQ(receiver.Received().size(), 3u);
}

class RetryLimitTest : public AlertsTest {
 protected:
  std::map<std::string, std::string> ExtraEnv() const override {
    auto env = AlertsTest::ExtraEnv();
    env["WEBHOOK_MAX_TRIES"] = "4";
    env["WEBHOOK_BACKOFF_MS"] = "50";
    return env;
  }
};

TEST_F(RetryLimitTest, AnAlertStopsAfterWebhookMaxTriesAndIsCounted) {
  WebhookReceiver receiver({.fail_first = 1000});
  Configure("acme", receiver.Url());
  Send("acme", 800);  // 80% only
  ASSERT_TRUE(WaitForRows("status = 'failed' AND attempts = 4 AND last_error = 'HTTP 500'", 1)) << Rows("true");
  std::this_thread::sleep_for(milliseconds(1000));
  EXPECT_EQ(receiver.Received().size(), 4u) << "no try after the limit";
  const std::string metrics = client_->Get("/metrics").body;
  EXPECT_NE(metrics.find("flagmeter_alerts_failed_total 1"), std::string::npos);
}

class StaleClaimTest : public AlertsTest {
 protected:
  std::map<std::string, std::string> ExtraEnv() const override {
    auto env = AlertsTest::ExtraEnv();
    env["ALERT_RETRY_AFTER_MS"] = "1000";
    return env;
  }
};

TEST_F(StaleClaimTest, AClaimLeftPendingByADeadProcessIsSentByAnother) {
  WebhookReceiver receiver;
  Configure("acme", receiver.Url());
  // What a process that died mid-send leaves: a claim, pending, gone quiet.
  Sql("INSERT INTO alert_deliveries (tenant_id, period_start, threshold, status, attempts, payload, updated_at) "
      "SELECT id, date_trunc('month', now()), 80, 'pending', 1, '{\"text\":\"left behind\"}', "
      "now() - interval '1 minute' FROM tenants WHERE name = 'acme' RETURNING 1");
  const auto received = receiver.WaitFor(1, milliseconds(5000));
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].body, R"({"text":"left behind"})");
  ASSERT_TRUE(WaitForRows("status = 'delivered' AND attempts = 2", 1));
}

}  // namespace
}  // namespace flagmeter::test
