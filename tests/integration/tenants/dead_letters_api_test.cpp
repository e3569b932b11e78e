// The dead-letter list through the admin API, against the real binary, a real
// Valkey server and PostgreSQL: its bound, its metrics, paging, redrive.
#include <chrono>
#include <cstdlib>
#include <sstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "tenants_fixture.hpp"

namespace flagmeter::test {
namespace {

using nlohmann::json;

constexpr int kDeadLetterMax = 5;

class DeadLettersApiTest : public TenantsTest {
 protected:
  std::map<std::string, std::string> ExtraEnv() const override {
    return {{"DEAD_LETTER_MAX", std::to_string(kDeadLetterMax)}};
  }

  // Queue entries no worker can decode, straight into the queue.
  void PushUndecodable(int count) {
    std::vector<std::string> items;
    for (int i = 0; i < count; ++i) items.push_back("not an event " + std::to_string(i));
    std::vector<std::string_view> args{"RPUSH", "events"};
    args.insert(args.end(), items.begin(), items.end());
    auto pushed = valkey_.Command(args);
    ASSERT_TRUE(pushed.ok()) << pushed.status().ToString();
  }

  // The value of one sample of /metrics ("name{labels}"), or -1.
  double Metric(const std::string& series) {
    std::istringstream lines(client_->Get("/metrics").body);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(series + " ", 0) == 0) return std::strtod(line.c_str() + series.size() + 1, nullptr);
    }
    return -1;
  }

  template <typename Predicate>
  bool Eventually(Predicate predicate, std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    do {
      if (predicate()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    } while (std::chrono::steady_clock::now() < deadline);
    return false;
  }

  json List(const std::string& query = "") {
    HttpResult answer = Admin("GET", "/api/dead-letters" + query);
    EXPECT_EQ(answer.status, 200) << answer.body;
    return answer.Json();
  }

  void Exec(const std::string& sql) {
    pqxx::connection connection(database_->url());
    pqxx::work work(connection);
    work.exec(sql);
    work.commit();
  }

  void PostEvent(const std::string& body) {
    HttpResult answer = Admin("POST", "/api/events", body);
    ASSERT_EQ(answer.status, 201) << answer.body;
  }
};

TEST_F(DeadLettersApiTest, RoutesNeedTheAdminToken) {
  for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/api/dead-letters"},
           {"POST", "/api/dead-letters/redrive"},
           {"POST", "/api/dead-letters/discard"}}) {
    const std::string body = method == "POST" ? R"({"all":true})" : "";
    HttpResult missing = client_->Request(method, target, body, {{"Content-Type", "application/json"}});
    EXPECT_EQ(missing.status, 401) << method << " " << target;
    EXPECT_EQ(missing.Header("www-authenticate"), "Bearer");
    EXPECT_EQ(WithToken("wrong-token-0123456789xx", method, target, body).status, 401) << target;
  }
  EXPECT_EQ(Admin("GET", "/api/dead-letters").status, 200);
  EXPECT_EQ(Admin("DELETE", "/api/dead-letters").status, 405);
}

class DeadLettersWithoutAdminTokenTest : public DeadLettersApiTest {
 protected:
  std::map<std::string, std::string> ExtraEnv() const override { return {{"ADMIN_TOKEN", ""}}; }
};

TEST_F(DeadLettersWithoutAdminTokenTest, RoutesAre403NamingAdminToken) {
  HttpResult answer = Admin("GET", "/api/dead-letters");
  EXPECT_EQ(answer.status, 403);
  EXPECT_NE(answer.Json().value("error", "").find("ADMIN_TOKEN"), std::string::npos) << answer.body;
  EXPECT_EQ(Admin("POST", "/api/dead-letters/redrive", R"({"all":true})").status, 403);
}

TEST_F(DeadLettersApiTest, BoundHoldsAndDropsAreCountedLoggedAndShownByReason) {
  PushUndecodable(kDeadLetterMax + 3);
  ASSERT_TRUE(Eventually([&] {
    return Metric("flagmeter_events_dead_lettered_total{reason=\"undecodable\"}") == kDeadLetterMax + 3;
  })) << processes_[0]->Log();
  EXPECT_EQ(valkey_.ListLength("events:dead"), kDeadLetterMax);
  EXPECT_EQ(Metric("flagmeter_events_dead_letters_dropped_total{reason=\"undecodable\"}"), 3);
  EXPECT_EQ(Metric("flagmeter_events_dead_letters_dropped_total{reason=\"refused\"}"), 0);
  EXPECT_TRUE(Eventually([&] { return Metric("flagmeter_events_dead_letters{reason=\"undecodable\"}") == 5; }));
  EXPECT_EQ(Metric("flagmeter_events_dead_letters{reason=\"refused\"}"), 0);
  EXPECT_NE(processes_[0]->Log().find("DEAD_LETTER_MAX=5"), std::string::npos);

  // The newest are kept: entries 3..7, in order.
  const json page = List();
  EXPECT_EQ(page["total"], kDeadLetterMax);
  ASSERT_EQ(page["deadLetters"].size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(page["deadLetters"][i]["raw"], "not an event " + std::to_string(3 + i));
    EXPECT_EQ(page["deadLetters"][i]["reason"], "undecodable");
  }

  // Discarding the undecodable ones empties the list and the gauge.
  HttpResult discarded = Admin("POST", "/api/dead-letters/discard", R"({"all":true,"reason":"undecodable"})");
  ASSERT_EQ(discarded.status, 200) << discarded.body;
  EXPECT_EQ(discarded.Json(), json::parse(R"({"discarded":5,"notFound":[],"remaining":0})"));
  EXPECT_TRUE(Eventually([&] { return Metric("flagmeter_events_dead_letters{reason=\"undecodable\"}") == 0; }));
  EXPECT_EQ(valkey_.ListLength("events"), 0);
}

TEST_F(DeadLettersApiTest, ListsAPageAtATime) {
  PushUndecodable(kDeadLetterMax);
  ASSERT_TRUE(Eventually([&] { return valkey_.ListLength("events:dead") == kDeadLetterMax; }));
  std::vector<std::string> seen;
  std::string query = "?limit=2";
  std::vector<int> sizes;
  for (int pages = 0; pages < 10; ++pages) {
    const json page = List(query);
    EXPECT_EQ(page["total"], kDeadLetterMax);
    sizes.push_back(static_cast<int>(page["deadLetters"].size()));
    for (const json& entry : page["deadLetters"]) seen.push_back(entry["raw"]);
    if (page["nextCursor"].is_null()) break;
    query = "?limit=2&cursor=" + page["nextCursor"].get<std::string>();
  }
  EXPECT_EQ(sizes, (std::vector<int>{2, 2, 1}));
  ASSERT_EQ(seen.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(seen[i], "not an event " + std::to_string(i));

  for (const char* bad : {"?limit=0", "?limit=501", "?cursor=x"}) {
    HttpResult answer = Admin("GET", std::string("/api/dead-letters") + bad);
    EXPECT_EQ(answer.status, 400) << bad << ": " << answer.body;
  }
  EXPECT_EQ(Admin("POST", "/api/dead-letters/redrive", R"({"everything":true})").status, 400);
  EXPECT_EQ(Admin("POST", "/api/dead-letters/redrive", "{}").status, 400);
}

// A poison event (refused by a CHECK the test adds) is set aside while the
// rest of its batch is counted; once the check is gone, a redrive counts it,
// exactly once, however often it is redriven or re-sent.
TEST_F(DeadLettersApiTest, RedriveCountsAFixedEventExactlyOnce) {
  Exec("ALTER TABLE events ADD CONSTRAINT test_refuses_poison CHECK (feature <> 'poison') NOT VALID");
  PostEvent(R"([{"tenant":"acme","feature":"ok","tokens":10,"id":"good-1"},
                {"tenant":"acme","feature":"poison","tokens":5,"id":"poison-1"}])");
  ASSERT_TRUE(Eventually([&] { return List()["total"] == 1; })) << processes_[0]->Log();
  ASSERT_TRUE(WaitForTotal("acme", 10));
  const json entry = List()["deadLetters"][0];
  EXPECT_EQ(entry["reason"], "refused");
  EXPECT_EQ(entry["tenant"], "acme");
  EXPECT_EQ(entry["feature"], "poison");
  EXPECT_EQ(entry["tokens"], 5);
  EXPECT_EQ(entry["eventId"], "poison-1");
  EXPECT_NE(entry["detail"].get<std::string>().find("test_refuses_poison"), std::string::npos) << entry;
  EXPECT_TRUE(entry["deadLetteredAt"].is_string());
  EXPECT_TRUE(Eventually([&] { return Metric("flagmeter_events_dead_letters{reason=\"refused\"}") == 1; }));

  Exec("ALTER TABLE events DROP CONSTRAINT test_refuses_poison");
  HttpResult redriven =
      Admin("POST", "/api/dead-letters/redrive", R"({"ids":[)" + std::to_string(entry["id"].get<int>()) + "]}");
  ASSERT_EQ(redriven.status, 200) << redriven.body;
  EXPECT_EQ(redriven.Json(), json::parse(R"({"redriven":1,"notFound":[],"queueFull":false,"remaining":0})"));
  ASSERT_TRUE(WaitForTotal("acme", 15)) << processes_[0]->Log();

  // Again: nothing left to move; a re-send of the same id is a duplicate.
  HttpResult again = Admin("POST", "/api/dead-letters/redrive", R"({"all":true})");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.Json()["redriven"], 0);
  PostEvent(R"({"tenant":"acme","feature":"poison","tokens":5,"id":"poison-1"})");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_TRUE(WaitForTotal("acme", 15));
  EXPECT_EQ(Sql("SELECT count(*) FROM events WHERE event_id = 'poison-1'"), 1);
  EXPECT_TRUE(Eventually([&] { return Metric("flagmeter_events_dead_letters{reason=\"refused\"}") == 0; }));
}

}  // namespace
}  // namespace flagmeter::test
