// docs/examples/webhook_receiver.py, the receiver docs/tenants.md shows,
// run on loopback and fed by FlagMeter's own webhook client and signature:
// it accepts a signed alert and refuses a tampered body, a wrong secret, an
// old timestamp and a changed delivery id.
#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "flagmeter/alerts/threshold_alerts.hpp"
#include "flagmeter/alerts/webhook_client.hpp"
#include "integration/ops/child_process.hpp"

namespace flagmeter::test {
namespace {

using std::chrono::milliseconds;

constexpr char kSecret[] = "receiver-example-secret";
constexpr char kBody[] = R"({"text":"FlagMeter: tenant 'acme' has reached 80% of its monthly quota"})";
constexpr char kDelivery[] = "0b7f3d1e-8a52-4c1e-9f0d-2c3a4b5c6d7e:1793491200000:80";

std::int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class WebhookReceiverExampleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    receiver_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{FLAGMETER_PYTHON3, "-B", FLAGMETER_SOURCE_DIR "/docs/examples/webhook_receiver.py",
                                 "--host", "127.0.0.1", "--port", "0"},
        std::map<std::string, std::string>{{"FLAGMETER_WEBHOOK_SECRET", kSecret}}, dir_.path() + "/receiver.log");
    std::string error;
    ASSERT_TRUE(receiver_->Start(&error)) << error;
    const auto deadline = std::chrono::steady_clock::now() + milliseconds(10000);
    constexpr std::string_view kReady = "listening on 127.0.0.1:";
    while (std::chrono::steady_clock::now() < deadline && port_.empty()) {
      const std::string log = receiver_->Log();
      if (const std::size_t at = log.find(kReady); at != std::string::npos) {
        const std::size_t end = log.find('\n', at);
        if (end != std::string::npos) port_ = log.substr(at + kReady.size(), end - at - kReady.size());
      }
      ASSERT_TRUE(receiver_->Running()) << receiver_->Log();
      std::this_thread::sleep_for(milliseconds(20));
    }
    ASSERT_FALSE(port_.empty()) << receiver_->Log();
  }

  void TearDown() override {
    if (HasFailure()) std::cerr << "receiver log:\n" << receiver_->Log();
  }

  // POSTs `body` with the delivery id `delivery` and the signature made
  // from `signed_*` (what a forger or a replayer would have).
  Status Deliver(const std::string& body, const std::string& delivery, const std::string& secret,
                 std::int64_t unix_seconds, const std::string& signed_body, const std::string& signed_delivery) {
    WebhookRequest request{WebhookUrl{false, "127.0.0.1", port_, "/hook"}, body, {}};
    request.headers.emplace_back("X-FlagMeter-Delivery", delivery);
    request.headers.emplace_back("X-FlagMeter-Signature",
                                 WebhookSignature(secret, unix_seconds, signed_delivery, signed_body));
    return PostWebhook(request, WebhookLimits{.timeout = milliseconds(5000), .allow_private = true});
  }

  TempDir dir_{"fm-webhook-receiver"};
  std::unique_ptr<ChildProcess> receiver_;
  std::string port_;
};

TEST_F(WebhookReceiverExampleTest, AcceptsASignedAlert) {
  const Status sent = Deliver(kBody, kDelivery, kSecret, NowSeconds(), kBody, kDelivery);
  EXPECT_TRUE(sent.ok()) << sent.ToString();
  EXPECT_NE(receiver_->Log().find("\"reason\": \"accepted\""), std::string::npos) << receiver_->Log();
}

TEST_F(WebhookReceiverExampleTest, RefusesATamperedBody) {
  const std::string tampered = R"({"text":"FlagMeter: tenant 'acme' has reached 100% of its monthly quota"})";
  EXPECT_EQ(Deliver(tampered, kDelivery, kSecret, NowSeconds(), kBody, kDelivery).message(), "HTTP 400");
  EXPECT_NE(receiver_->Log().find("signature mismatch"), std::string::npos) << receiver_->Log();
}

TEST_F(WebhookReceiverExampleTest, RefusesAWrongSecret) {
  EXPECT_EQ(Deliver(kBody, kDelivery, "another-secret", NowSeconds(), kBody, kDelivery).message(), "HTTP 400");
}

TEST_F(WebhookReceiverExampleTest, RefusesATimestampOlderThanFiveMinutes) {
  EXPECT_EQ(Deliver(kBody, kDelivery, kSecret, NowSeconds() - 301, kBody, kDelivery).message(), "HTTP 400");
  EXPECT_NE(receiver_->Log().find("timestamp outside the tolerance"), std::string::npos) << receiver_->Log();
  // Just inside the window is still good.
  EXPECT_TRUE(Deliver(kBody, kDelivery, kSecret, NowSeconds() - 240, kBody, kDelivery).ok());
}

TEST_F(WebhookReceiverExampleTest, RefusesASignatureMadeForAnotherDelivery) {
  const std::string other = "0b7f3d1e-8a52-4c1e-9f0d-2c3a4b5c6d7e:1793491200000:100";
  EXPECT_EQ(Deliver(kBody, kDelivery, kSecret, NowSeconds(), kBody, other).message(), "HTTP 400");
}

}  // namespace
}  // namespace flagmeter::test
