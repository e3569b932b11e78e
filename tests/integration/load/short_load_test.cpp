// A short run of flagmeter-load against a real flagmeter (own database, own
// Valkey): a few hundred VUs for 15 s must see no errors and the ledger
// must hold exactly the tokens acknowledged with 201. No timing assertions:
// timings belong to scripts/bench.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/flagmeter_process.hpp"
#include "support/http_client.hpp"
#include "support/test_postgres.hpp"
#include "support/test_valkey.hpp"

namespace flagmeter::test {
namespace {

constexpr auto kRunTimeout = std::chrono::minutes(4);
constexpr int kSeedTokens = 100;

// FLAGMETER_LOAD_BINARY from the environment, else the one CMake names, else
// <build>/tools/load/flagmeter-load beside <build>/flagmeter.
std::string LoadBinary() {
  if (const char* configured = std::getenv("FLAGMETER_LOAD_BINARY"); configured && *configured) return configured;
#ifdef FLAGMETER_LOAD_BINARY
  return FLAGMETER_LOAD_BINARY;
#else
  return (std::filesystem::path(FLAGMETER_BINARY).parent_path() / "tools" / "load" / "flagmeter-load").string();
#endif
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct ChildResult {
  int exit_code = -1;  // -1: could not start, or did not finish in time (killed)
  std::string output;  // stdout and stderr
};

// A child process with its output in a temp file. Not thread-safe.
class Child final {
 public:
  explicit Child(std::vector<std::string> argv) {
    char log_path[] = "/tmp/flagmeter-load-test-XXXXXX";
    ::close(::mkstemp(log_path));
    log_path_ = log_path;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path, O_WRONLY | O_APPEND, 0);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    std::vector<char*> args;
    for (std::string& arg : argv) args.push_back(arg.data());
    args.push_back(nullptr);
    if (posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::unlink(log_path_.c_str());
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // Blocking up to kRunTimeout; kills the child after that.
  ChildResult Wait() {
    ChildResult result;
    const auto deadline = std::chrono::steady_clock::now() + kRunTimeout;
    int status = 0;
    while (pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) != pid_) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
        result.output = "killed after " + std::to_string(kRunTimeout.count()) + " min\n";
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (pid_ > 0 && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    pid_ = -1;
    result.output += ReadFile(log_path_);
    return result;
  }

 private:
  pid_t pid_ = -1;
  std::string log_path_;
};

class ShortLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = TestDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status().ToString();
    database_ = std::move(database.value());
    const Status valkey = valkey_.Start();
    ASSERT_TRUE(valkey.ok()) << valkey.ToString();
    process_ = std::make_unique<FlagmeterProcess>(std::map<std::string, std::string>{
        {"DATABASE_URL", database_->url()}, {"VALKEY_URL", valkey_.url()}, {"LOG_LEVEL", "warn"}});
    std::string error;
    ASSERT_TRUE(process_->Start(&error)) << error;
    char json_path[] = "/tmp/flagmeter-load-json-XXXXXX";
    ::close(::mkstemp(json_path));
    json_path_ = json_path;
  }

  void TearDown() override {
    if (HasFailure() && process_) std::cerr << "flagmeter log:\n" << process_->Log();
    if (process_) {
      EXPECT_EQ(process_->Stop(SIGTERM), 0);
    }
    ::unlink(json_path_.c_str());
  }

  // Sends one event for `tenant` and waits until its usage shows it.
  bool CreateTenant(const std::string& tenant, int tokens) {
    HttpClient client(process_->port());
    const std::string body = R"({"tenant":")" + tenant + R"(","feature":"setup","tokens":)" + std::to_string(tokens) + "}";
    if (client.PostJson("/api/events", body).status != 201) return false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      const HttpResult usage = client.Get("/api/usage/" + tenant);
      if (usage.status == 200 && usage.Json().value("totalTokens", 0) == tokens) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  std::unique_ptr<TestDatabase> database_;
  TestValkey valkey_;
  std::unique_ptr<FlagmeterProcess> process_;
  std::string json_path_;
};

TEST_F(ShortLoadTest, TwoHundredVusForFifteenSecondsLoseNothing) {
  const std::string binary = LoadBinary();
  ASSERT_EQ(::access(binary.c_str(), X_OK), 0) << binary << " is missing: build the flagmeter-load target";
  // Tenants of this run only, created before it: a GET of a tenant whose
  // first event is not yet committed is a 404, which would count as an error.
  const std::string prefix = "short-" + std::to_string(::getpid()) + "-";
  for (const char* tenant : {"acme-corp", "globex-inc", "initech-llc"}) {
    ASSERT_TRUE(CreateTenant(prefix + tenant, kSeedTokens)) << prefix + tenant;
  }
  Child child({binary, "--base-url", "http://127.0.0.1:" + std::to_string(process_->port()), "--vus", "200",
               "--duration", "15s", "--tenant-prefix", prefix, "--seed", "20240", "--progress", "5s", "--json",
               json_path_});
  const ChildResult run = child.Wait();
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("Conservation Result: ✓ PASS"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("Total Requests: "), std::string::npos) << run.output;

  const nlohmann::json results = nlohmann::json::parse(ReadFile(json_path_), nullptr, false);
  ASSERT_TRUE(results.is_object()) << "no JSON results in " << json_path_ << "\n" << run.output;
  EXPECT_GT(results["total_requests"].get<long long>(), 1000) << run.output;
  EXPECT_GT(results["acknowledged_events"].get<long long>(), 0);
  EXPECT_EQ(results["errors"], 0) << run.output;
  EXPECT_EQ(results["failed_requests"], 0) << run.output;
  for (const auto& [status, count] : results["status_counts"].items()) {
    EXPECT_TRUE(status == "200" || status == "201") << "status " << status << " x" << count << "\n" << run.output;
  }
  const nlohmann::json& conservation = results["conservation"];
  EXPECT_EQ(conservation["passed"], true) << conservation.dump(2);
  ASSERT_EQ(conservation["tenants"].size(), 3u);
  long long acknowledged = 0;
  for (const nlohmann::json& tenant : conservation["tenants"]) {
    EXPECT_EQ(tenant["increase"], tenant["acknowledged"]) << tenant.dump();
    EXPECT_EQ(tenant["before"], kSeedTokens) << tenant.dump();
    acknowledged += tenant["acknowledged"].get<long long>();
  }
  EXPECT_GT(acknowledged, 0);
}

TEST_F(ShortLoadTest, ReportsAMismatchWhenSomeoneElseCountsToo) {
  // Tokens sent by another client during the run raise the tenant's total
  // beyond what this run was acknowledged: the check must see it and exit 1.
  const std::string binary = LoadBinary();
  ASSERT_EQ(::access(binary.c_str(), X_OK), 0) << binary << " is missing: build the flagmeter-load target";
  const std::string prefix = "skew-" + std::to_string(::getpid()) + "-";
  Child child({binary, "--base-url", "http://127.0.0.1:" + std::to_string(process_->port()), "--vus", "5",
               "--duration", "4s", "--tenants", "solo", "--tenant-prefix", prefix, "--drain-timeout", "20s",
               "--progress", "0", "--json", json_path_});
  std::this_thread::sleep_for(std::chrono::seconds(2));
  HttpClient intruder(process_->port());
  const HttpResult sent = intruder.PostJson("/api/events", R"({"tenant":")" + prefix + R"(solo","feature":"x","tokens":7})");
  ASSERT_EQ(sent.status, 201) << sent.body;
  const ChildResult run = child.Wait();
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("MISMATCH"), std::string::npos) << run.output;
  const nlohmann::json results = nlohmann::json::parse(ReadFile(json_path_), nullptr, false);
  ASSERT_TRUE(results.is_object()) << run.output;
  const nlohmann::json& tenant = results["conservation"]["tenants"][0];
  EXPECT_EQ(tenant["increase"].get<long long>() - tenant["acknowledged"].get<long long>(), 7) << tenant.dump();
}

}  // namespace
}  // namespace flagmeter::test
