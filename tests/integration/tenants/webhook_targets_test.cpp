// Webhook URLs that point inside the network are refused, when set and
// again when sent (WEBHOOK_ALLOW_PRIVATE unset). No test here connects to a
// private or link-local address: refusals happen before any connection.
#include <string>

#include <nlohmann/json.hpp>

#include "support/webhook_receiver.hpp"
#include "tenants_fixture.hpp"

namespace flagmeter::test {
namespace {

using std::chrono::milliseconds;

class WebhookTargetsTest : public TenantsTest {
 protected:
  std::map<std::string, std::string> ExtraEnv() const override {
    return {{"WEBHOOK_BACKOFF_MS", "100"}, {"WEBHOOK_TIMEOUT_MS", "1000"}};
  }
};

TEST_F(WebhookTargetsTest, PutRefusesInternalAddressesWith400) {
  for (const std::string url : {"http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://[::1]/",
                                "http://127.0.0.1:9/hook", "http://[fe80::1]/", "http://192.168.0.10:8080/x",
                                "http://0.0.0.0/", "http://localhost:9/hook"}) {
    const HttpResult answer = Admin("PUT", "/api/tenants/acme", R"({"webhookUrl":")" + url + R"("})");
    ASSERT_EQ(answer.status, 400) << url << ": " << answer.body;
    const nlohmann::json details = answer.Json()["details"];
    ASSERT_EQ(details.size(), 1u) << answer.body;
    EXPECT_EQ(details[0]["path"], "webhookUrl") << answer.body;
    EXPECT_NE(details[0]["message"].get<std::string>().find("address"), std::string::npos) << answer.body;
  }
  EXPECT_EQ(Admin("GET", "/api/tenants/acme").status, 404) << "a refused PUT writes nothing";
  // A public literal is stored (nothing is sent to it here: no quota).
  EXPECT_EQ(Admin("PUT", "/api/tenants/acme", R"({"webhookUrl":"https://93.184.216.34/hook"})").status, 201);
}

TEST_F(WebhookTargetsTest, ANameThatResolvesToLoopbackAtSendTimeIsRefusedWithoutConnecting) {
  WebhookReceiver receiver;
  ASSERT_EQ(Admin("PUT", "/api/tenants/acme", R"({"monthlyQuota":1000,"alertThresholds":[80]})").status, 201);
  // As if the name had resolved to a public address when it was set and
  // was re-pointed at loopback since (DNS rebinding).
  Sql("UPDATE tenants SET webhook_url = 'http://localhost:" + std::to_string(receiver.port()) +
      "/hook' WHERE name = 'acme' RETURNING 1");
  Send("acme", 800);
  ASSERT_TRUE(WaitForTotal("acme", 800));
  const auto deadline = std::chrono::steady_clock::now() + milliseconds(8000);
  while (std::chrono::steady_clock::now() < deadline &&
         Sql("SELECT count(*) FROM alert_deliveries WHERE status = 'failed'") != 1) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_EQ(Sql("SELECT count(*) FROM alert_deliveries WHERE status = 'failed' AND attempts = 1 "
                "AND last_error LIKE 'refused: localhost resolves to %loopback%'"),
            1);
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_EQ(receiver.Connections(), 0);
  EXPECT_EQ(receiver.Received().size(), 0u);
  const std::string metrics = client_->Get("/metrics").body;
  EXPECT_NE(metrics.find("flagmeter_alerts_refused_total 1"), std::string::npos);
  EXPECT_NE(metrics.find("flagmeter_alerts_failed_total 0"), std::string::npos);
}

}  // namespace
}  // namespace flagmeter::test
