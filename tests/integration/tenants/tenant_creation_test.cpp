// Tenants created by events: bounded (MAX_TENANTS, TENANT_CREATION_QUEUE),
// optional (AUTO_CREATE_TENANTS), and never in the way of operators' admin
// calls, against the real binary.
#include <atomic>
#include <chrono>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/connection_flood.hpp"
#include "tenants_fixture.hpp"

namespace flagmeter::test {
namespace {

std::string Event(const std::string& tenant) { return R"({"tenant":")" + tenant + R"(","feature":"f","tokens":5})"; }

// A batch of `count` events, each for a tenant never seen before.
std::string NewTenantsBatch(std::mt19937_64& random, int count) {
  std::string body = "[";
  const std::string prefix = "flood-" + std::to_string(random()) + "-";
  for (int i = 0; i < count; ++i) body += (i > 0 ? "," : "") + Event(prefix + std::to_string(i));
  return body + "]";
}

class TenantFloodTest : public TenantsTest {
 protected:
  std::map<std::string, std::string> ExtraEnv() const override { return {{"MAX_TENANTS", "100000000"}}; }
};

// Before: creation jobs went to the admin threads' queue, so a flood of new
// names filled it and operators' PUTs answered 503 (or waited seconds).
TEST_F(TenantFloodTest, AFloodOfNewTenantNamesDoesNotFailConcurrentAdminCalls) {
  ConnectionFlood flood(processes_[0]->port(), 64, [](std::mt19937_64& random) {
    const std::string body = NewTenantsBatch(random, 500);
    return "POST /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  });
  flood.Start();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  int failed = 0;
  std::chrono::milliseconds slowest{0};
  std::string last_failure;
  for (int i = 0; i < 40; ++i) {
    const auto started = std::chrono::steady_clock::now();
    HttpResult put = Admin("PUT", "/api/tenants/operator-" + std::to_string(i), R"({"monthlyQuota": 5000})");
    slowest = std::max(slowest, std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::steady_clock::now() - started));
    if (put.status != 201) {
      ++failed;
      last_failure = std::to_string(put.status) + " " + put.body;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  flood.Stop();
  std::cout << failed << " of 40 admin PUTs failed during the flood (slowest " << slowest.count()
            << " ms); the flood got " << flood.Summary() << "\n";
  EXPECT_EQ(failed, 0) << last_failure;
  EXPECT_EQ(Sql("SELECT count(*) FROM tenants WHERE name LIKE 'operator-%'"), 40);
}

class TenantLimitTest : public TenantsTest {
 protected:
  std::map<std::string, std::string> ExtraEnv() const override { return {{"MAX_TENANTS", "5"}}; }
};

TEST_F(TenantLimitTest, PastMaxTenantsEventsForNewTenantsAre422AndTheCountStaysAtTheBound) {
  ASSERT_TRUE(StartProcess());
  // Two processes, eight clients, forty new names at once.
  std::atomic<int> accepted{0};
  std::atomic<int> refused{0};
  std::atomic<int> other{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&, c] {
      HttpClient client(processes_[c % 2]->port());
      for (int n = 0; n < 5; ++n) {
        HttpResult answer = client.PostJson("/api/events", Event("limited-" + std::to_string(c * 5 + n)));
        if (answer.status == 201) {
          ++accepted;
        } else if (answer.status == 422 && answer.Json().value("error", "").find("MAX_TENANTS") != std::string::npos) {
          ++refused;
        } else {
          ++other;
        }
      }
    });
  }
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(accepted.load(), 5);
  EXPECT_EQ(refused.load(), 35);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(Sql("SELECT count(*) FROM tenants"), 5);

  // The tenants that exist go on; a batch naming a new one is refused whole.
  std::string existing;
  for (int n = 0; n < 40 && existing.empty(); ++n) {
    const std::string name = "limited-" + std::to_string(n);
    if (Sql("SELECT count(*) FROM tenants WHERE name = '" + name + "'") == 1) existing = name;
  }
  ASSERT_FALSE(existing.empty());
  EXPECT_EQ(client_->PostJson("/api/events", Event(existing)).status, 201);
  HttpResult batch = client_->PostJson("/api/events", "[" + Event(existing) + "," + Event("one-more") + "]");
  EXPECT_EQ(batch.status, 422) << batch.body;
  EXPECT_NE(batch.Json().value("error", "").find("one-more"), std::string::npos) << batch.body;
  EXPECT_EQ(Sql("SELECT count(*) FROM tenants"), 5);
  // An operator may still create tenants beyond the bound.
  EXPECT_EQ(Admin("PUT", "/api/tenants/one-more", "{}").status, 201);
  EXPECT_EQ(client_->PostJson("/api/events", Event("one-more")).status, 201);
}

class NoAutoCreationTest : public TenantsTest {
 protected:
  std::map<std::string, std::string> ExtraEnv() const override { return {{"AUTO_CREATE_TENANTS", "false"}}; }
};

TEST_F(NoAutoCreationTest, EventsForUnknownTenantsAre422UntilAnOperatorCreatesThem) {
  HttpResult refused = client_->PostJson("/api/events", Event("acme"));
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_NE(refused.Json().value("error", "").find("AUTO_CREATE_TENANTS"), std::string::npos) << refused.body;
  EXPECT_EQ(Sql("SELECT count(*) FROM tenants"), 0);
  ASSERT_EQ(Admin("PUT", "/api/tenants/acme", "{}").status, 201);
  EXPECT_EQ(client_->PostJson("/api/events", Event("acme")).status, 201);
  EXPECT_TRUE(WaitForTotal("acme", 5));
}

class KeysRequiredTest : public TenantsTest {
 protected:
  std::map<std::string, std::string> ExtraEnv() const override { return {{"REQUIRE_API_KEYS", "true"}}; }
};

TEST_F(KeysRequiredTest, WithKeysRequiredEventsDoNotCreateTenantsEvenWithTheAdminToken) {
  HttpResult refused = Admin("POST", "/api/events", Event("acme"));
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(Sql("SELECT count(*) FROM tenants"), 0);
  FlagmeterProcess both({{"DATABASE_URL", database_->url()},
                         {"VALKEY_URL", valkey_.url()},
                         {"REQUIRE_API_KEYS", "true"},
                         {"AUTO_CREATE_TENANTS", "true"}});
  std::string error;
  EXPECT_FALSE(both.Start(&error, 10000));
  EXPECT_NE(both.Log().find("AUTO_CREATE_TENANTS"), std::string::npos) << both.Log();
}

}  // namespace
}  // namespace flagmeter::test
