// The monitoring of the compose stack, run for real without Docker: a
// flagmeter process on its own database and Valkey, the PostgreSQL and
// Valkey exporters pointed at them, and a Prometheus server running
// infra/prometheus/prometheus.yml (targets rewritten to this test's ports,
// scrape interval 1 s) with infra/prometheus/alerts.yml. After real traffic,
// every PromQL expression of the Grafana dashboard must parse and return
// series, and every alert rule must parse and evaluate without error.

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "integration/ops/child_process.hpp"
#include "integration/ops/ops_paths.hpp"
#include "integration/ops/prometheus_api.hpp"
#include "support/flagmeter_process.hpp"
#include "support/http_client.hpp"
#include "support/test_postgres.hpp"
#include "support/test_valkey.hpp"

namespace flagmeter::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

struct Expression {
  std::string kind;  // "dashboard" or "rule"
  std::string where;
  std::string expr;
};

class PrometheusStackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = TestDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status().ToString();
    database_ = std::move(database.value());
    const Status valkey = valkey_.Start();
    ASSERT_TRUE(valkey.ok()) << valkey.ToString();
    flagmeter_ = std::make_unique<FlagmeterProcess>(std::map<std::string, std::string>{
        {"DATABASE_URL", database_->url()}, {"VALKEY_URL", valkey_.url()}, {"LOG_FORMAT", "json"}});
    std::string error;
    ASSERT_TRUE(flagmeter_->Start(&error)) << error;
    client_ = std::make_unique<HttpClient>(flagmeter_->port());

    ASSERT_NO_FATAL_FAILURE(StartServer(postgres_exporter_, "postgres-exporter",
                                        {kPostgresExporterBinary, "--web.listen-address=" + Address(pg_port_)},
                                        {{"DATA_SOURCE_NAME", database_->url() + "?sslmode=disable"}}, pg_port_,
                                        "/metrics"));
    ASSERT_NO_FATAL_FAILURE(StartServer(redis_exporter_, "redis-exporter",
                                        {kRedisExporterBinary, "-redis.addr=redis://" + Address(valkey_.port()),
                                         "-web.listen-address=" + Address(redis_port_)},
                                        {}, redis_port_, "/metrics"));
    ASSERT_NO_FATAL_FAILURE(RenderConfig());
    ASSERT_NO_FATAL_FAILURE(StartServer(
        prometheus_, "prometheus",
        {kPrometheusBinary, "--config.file=" + dir_.path() + "/prometheus.yml",
         "--storage.tsdb.path=" + dir_.path() + "/data", "--web.listen-address=" + Address(prometheus_port_)},
        {}, prometheus_port_, "/-/ready"));
    prometheus_client_ = std::make_unique<HttpClient>(prometheus_port_, Peer::kOther);
  }

  void TearDown() override {
    if (HasFailure()) {
      for (auto* server : {&prometheus_, &postgres_exporter_, &redis_exporter_}) {
        if (*server) std::cerr << "---- log tail:\n" << Tail((*server)->Log()) << "\n";
      }
      if (flagmeter_) std::cerr << "---- flagmeter log tail:\n" << Tail(flagmeter_->Log()) << "\n";
    }
    prometheus_.reset();
    postgres_exporter_.reset();
    redis_exporter_.reset();
    if (flagmeter_) {
      EXPECT_EQ(flagmeter_->Stop(SIGTERM), 0);
    }
  }

  static std::string Address(int port) { return "127.0.0.1:" + std::to_string(port); }
  static std::string Tail(const std::string& text) {
    return text.size() > 3000 ? text.substr(text.size() - 3000) : text;
  }

  void StartServer(std::unique_ptr<ChildProcess>& server, const std::string& name, std::vector<std::string> argv,
                   std::map<std::string, std::string> env, int port, const std::string& ready_path) {
    server = std::make_unique<ChildProcess>(std::move(argv), std::move(env), dir_.path() + "/" + name + ".log");
    std::string error;
    ASSERT_TRUE(server->Start(&error)) << name << ": " << error;
    HttpClient client(port, Peer::kOther);
    const bool ready = WaitUntil(
        [&] { return !server->Running() || client.Get(ready_path).status == 200; }, seconds(20));
    ASSERT_TRUE(ready && server->Running()) << name << " did not answer 200 on " << ready_path << ":\n"
                                            << Tail(server->Log());
  }

  void RenderConfig() {
    const CommandResult result = RunCommand(
        {"python3", SourcePath("tests/ops/prometheus_setup.py"), "render", "--source",
         SourcePath("infra/prometheus/prometheus.yml"), "--out", dir_.path() + "/prometheus.yml",
         "--scrape-interval", "1s", "--target", "flagmeter=" + Address(flagmeter_->port()), "--target",
         "postgres=" + Address(pg_port_), "--target", "valkey=" + Address(redis_port_), "--target",
         "prometheus=" + Address(prometheus_port_)},
        dir_.path());
    ASSERT_EQ(result.exit_code, 0) << result.output;
  }

  std::vector<Expression> LoadExpressions() {
    const CommandResult result =
        RunCommand({"python3", SourcePath("tests/ops/prometheus_setup.py"), "expressions", "--dashboard",
                    SourcePath("infra/grafana/dashboards/flagmeter.json"), "--alerts",
                    SourcePath("infra/prometheus/alerts.yml"), "--interval", "1m"},
                   dir_.path());
    EXPECT_EQ(result.exit_code, 0) << result.output;
    std::vector<Expression> expressions;
    std::istringstream lines(result.output);
    for (std::string line; std::getline(lines, line);) {
      const nlohmann::json item = nlohmann::json::parse(line, nullptr, false);
      if (item.is_object()) expressions.push_back({item["kind"], item["where"], item["expr"]});
    }
    return expressions;
  }

  // Every route and status class the dashboard splits by: accepted single
  // events and batches, a re-send, a 400, a usage read, a 404, health.
  void SendTraffic() {
    for (int i = 0; i < 20; ++i) {
      const std::string body = R"({"tenant":"ops-acme","feature":"gpt-4o","tokens":10,"id":"ops-)" +
                               std::to_string(i) + "\"}";
      ASSERT_EQ(client_->PostJson("/api/events", body).status, 201);
    }
    ASSERT_EQ(client_->PostJson("/api/events", R"({"tenant":"ops-acme","feature":"gpt-4o","tokens":10,"id":"ops-0"})")
                  .status,
              201);
    ASSERT_EQ(client_->PostJson("/api/events", R"([{"tenant":"ops-acme","feature":"embed","tokens":5},)"
                                               R"({"tenant":"ops-acme","feature":"embed","tokens":5}])")
                  .status,
              201);
    ASSERT_EQ(client_->PostJson("/api/events", R"({"tenant":"ops-acme","tokens":1.5})").status, 400);
    ASSERT_EQ(client_->Get("/api/usage/ops-nobody").status, 404);
    ASSERT_EQ(client_->Get("/api/health").status, 200);
    ASSERT_EQ(client_->Get("/no/such/route").status, 404);
    const auto deadline = std::chrono::steady_clock::now() + seconds(10);
    int total = -1;
    while (total != 210 && std::chrono::steady_clock::now() < deadline) {
      total = client_->Get("/api/usage/ops-acme").Json().value("totalTokens", -1);
      std::this_thread::sleep_for(milliseconds(50));
    }
    ASSERT_EQ(total, 210) << "the events were not persisted";
  }

  TempDir dir_{"flagmeter-ops"};
  std::unique_ptr<TestDatabase> database_;
  TestValkey valkey_;
  std::unique_ptr<FlagmeterProcess> flagmeter_;
  std::unique_ptr<HttpClient> client_;
  int pg_port_ = FreePort();
  int redis_port_ = FreePort();
  int prometheus_port_ = FreePort();
  std::unique_ptr<ChildProcess> postgres_exporter_;
  std::unique_ptr<ChildProcess> redis_exporter_;
  std::unique_ptr<ChildProcess> prometheus_;
  std::unique_ptr<HttpClient> prometheus_client_;
};

TEST_F(PrometheusStackTest, DashboardAndAlertQueriesWorkOnLiveTargets) {
  ASSERT_NO_FATAL_FAILURE(SendTraffic());

  // Every job of prometheus.yml is scraped and up.
  HttpClient& prometheus = *prometheus_client_;
  QueryAnswer up;
  const bool all_up = WaitUntil(
      [&] {
        up = QueryPrometheus(prometheus, "count(up == 1)");
        return up.series == 1 && up.result[0]["value"][1] == "4";
      },
      seconds(20));
  ASSERT_TRUE(all_up) << "not every target is up: " << QueryPrometheus(prometheus, "up").result.dump();

  const std::vector<Expression> expressions = LoadExpressions();
  ASSERT_GE(expressions.size(), 20u);
  // Rates need two scrapes after the traffic: poll until every dashboard
  // expression returns a series, then report each one that does not.
  std::map<std::string, QueryAnswer> answers;
  WaitUntil(
      [&] {
        bool all = true;
        for (const Expression& e : expressions) {
          answers[e.where] = QueryPrometheus(prometheus, e.expr);
          all = all && answers[e.where].success && (e.kind != "dashboard" || answers[e.where].series > 0);
        }
        return all;
      },
      seconds(20));
  int dashboard = 0;
  for (const Expression& e : expressions) {
    const QueryAnswer& answer = answers[e.where];
    EXPECT_TRUE(answer.success) << e.where << ": " << e.expr << "\n  " << answer.error;
    if (e.kind != "dashboard") continue;
    ++dashboard;
    if (answer.success) {
      EXPECT_GT(answer.series, 0u) << e.where << " returns no series: " << e.expr;
    }
  }
  EXPECT_GE(dashboard, 20);

  // The dead-letter panel is split by reason: every reason has its series
  // before the first dead letter, and no other reason appears.
  const QueryAnswer reasons = QueryPrometheus(
      prometheus, "sum by (reason) (flagmeter_events_dead_lettered_total{job=\"flagmeter\"})");
  std::set<std::string> seen;
  for (const auto& sample : reasons.result) seen.insert(sample["metric"].value("reason", ""));
  EXPECT_EQ(seen, (std::set<std::string>{"refused", "undecodable"})) << reasons.result.dump();
  EXPECT_GE(static_cast<int>(expressions.size()) - dashboard, 5) << "alerts.yml lost rules";
}

TEST_F(PrometheusStackTest, AlertRulesLoadAndEvaluateWithoutError) {
  HttpClient& prometheus = *prometheus_client_;
  std::vector<std::string> names;
  std::string problems;
  const bool evaluated = WaitUntil(
      [&] {
        names.clear();
        problems.clear();
        const nlohmann::json body = prometheus.Get("/api/v1/rules?type=alert").Json();
        if (!body.is_object() || !body.contains("data")) return false;
        for (const auto& group : body["data"]["groups"]) {
          for (const auto& rule : group["rules"]) {
            names.push_back(rule.value("name", ""));
            if (rule.value("health", "") != "ok") {
              problems += rule.value("name", "") + ": health " + rule.value("health", "") + " " +
                          rule.value("lastError", "") + "\n";
            }
          }
        }
        return !names.empty() && problems.empty();
      },
      seconds(15));
  EXPECT_TRUE(evaluated) << problems;
  for (const std::string wanted : {"FlagmeterDown", "FlagmeterQueueDepthRising", "FlagmeterIngestLagHigh",
                                   "FlagmeterHighErrorRate", "FlagmeterEventsDeadLettered"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), wanted), names.end()) << wanted << " is not loaded";
  }
  // A healthy stack raises nothing.
  const QueryAnswer firing = QueryPrometheus(prometheus, "ALERTS{alertstate=\"firing\"}");
  ASSERT_TRUE(firing.success) << firing.error;
  EXPECT_EQ(firing.series, 0u) << firing.result.dump();
}

}  // namespace
}  // namespace flagmeter::test
