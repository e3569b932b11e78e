// A client floods one instance with random well-formed API keys (each an
// unknown key, so a database look-up and a remembered miss) while a key is
// revoked through another instance: the flooded instance must still see the
// revocation within a few API_KEY_REFRESH_MS.
#include <chrono>
#include <iostream>
#include <random>
#include <string>

#include "support/connection_flood.hpp"
#include "tenants_fixture.hpp"

namespace flagmeter::test {
namespace {

constexpr int kRefreshMs = 500;

class KeyFloodTest : public TenantsTest {
 protected:
  std::map<std::string, std::string> ExtraEnv() const override {
    return {{"REQUIRE_API_KEYS", "true"}, {"API_KEY_REFRESH_MS", std::to_string(kRefreshMs)}};
  }

  static std::string Event(const std::string& tenant) {
    return R"({"tenant":")" + tenant + R"(","feature":"f","tokens":5})";
  }
};

TEST_F(KeyFloodTest, ARevocationReachesAnInstanceFloodedWithUnknownKeysWithinAFewRefreshes) {
  ASSERT_TRUE(StartProcess());
  HttpClient flooded(processes_[1]->port());
  ASSERT_EQ(Admin("PUT", "/api/tenants/acme", "{}").status, 201);
  const auto [key, key_id] = CreateKey("acme");
  const std::map<std::string, std::string> auth = {{"Authorization", "Bearer " + key},
                                                   {"Content-Type", "application/json"}};
  ASSERT_EQ(flooded.Request("POST", "/api/events", Event("acme"), auth).status, 201);

  ConnectionFlood flood(processes_[1]->port(), 1000, [](std::mt19937_64& random) {
    const std::string body = Event("acme");
    return "POST /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAuthorization: Bearer " +
           RandomWellFormedKey(random) + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  });
  flood.Start();
  std::this_thread::sleep_for(std::chrono::seconds(2));  // the look-up queue is full by now
  ASSERT_EQ(Admin("DELETE", "/api/tenants/acme/keys/" + key_id).status, 200);
  const auto revoked_at = std::chrono::steady_clock::now();
  int status = 0;
  while (std::chrono::steady_clock::now() - revoked_at < std::chrono::seconds(30)) {
    status = flooded.Request("POST", "/api/events", Event("acme"), auth).status;
    if (status == 401) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const auto waited =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - revoked_at);
  flood.Stop();
  std::cout << "revocation seen by the flooded instance after " << waited.count() << " ms (API_KEY_REFRESH_MS "
            << kRefreshMs << "); the flood got " << flood.Summary() << "\n";
  EXPECT_EQ(status, 401) << "the revoked key still worked " << waited.count() << " ms after its revocation";
  EXPECT_LE(waited.count(), 4 * kRefreshMs);
  const auto answers = flood.Answers();
  EXPECT_GT(answers.count(401) ? answers.at(401) : 0, 0) << flood.Summary();
  // Every flood answer is a refusal: 401 for a key looked up, 503 once the
  // look-up queue is full; never an accepted event.
  EXPECT_EQ(answers.count(201), 0u) << flood.Summary();
  EXPECT_EQ(flooded.Get("/api/health").status, 200);
}

}  // namespace
}  // namespace flagmeter::test
