#include "flagmeter/config/config.hpp"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace flagmeter {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  Result<Config> Load() {
    return LoadConfig([this](const char* name) -> const char* {
      auto it = env_.find(name);
      return it == env_.end() ? nullptr : it->second.c_str();
    });
  }
  std::map<std::string, std::string> env_;
};

TEST_F(ConfigTest, DefaultsMatchTheContract) {
  Result<Config> config = Load();
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->http.port, 3000);
  EXPECT_EQ(config->store.database_url, "postgres://flagmeter@localhost:5432/flagmeter");
  EXPECT_EQ(config->queue.valkey.host, "localhost");
  EXPECT_EQ(config->queue.valkey.port, 6379);
  EXPECT_EQ(config->queue.name, "events");
  EXPECT_EQ(config->worker.concurrency, 2);
  EXPECT_EQ(config->worker.max_batch_size, 2000u);  // the README's BATCH_SIZE
  EXPECT_EQ(config->http.max_body_bytes, 1048576u);
  EXPECT_EQ(config->queue.max_depth, 1000000);
  EXPECT_EQ(config->queue.push_linger_us, 1000);  // the README's PUSH_LINGER_US
  EXPECT_EQ(config->log_level, "info");
}

TEST_F(ConfigTest, ReadsEveryVariable) {
  env_ = {{"PORT", "8080"},
          {"DATABASE_URL", "postgresql://u:p@db:5433/x"},
          {"VALKEY_URL", "redis://:secret@cache:6380/2"},
          {"QUEUE_NAME", "usage"},
          {"WORKER_CONCURRENCY", "8"},
          {"MAX_BODY_BYTES", "2048"},
          {"MAX_QUEUE_DEPTH", "50"},
          {"LOG_LEVEL", "debug"},
          {"LOG_FORMAT", "text"},
          {"IO_THREADS", "3"},
          {"BATCH_SIZE", "500"},
          {"PUSH_LINGER_US", "0"},
          {"USAGE_CACHE_MS", "0"}};
  Result<Config> config = Load();
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->http.port, 8080);
  EXPECT_EQ(config->store.database_url, "postgresql://u:p@db:5433/x");
  EXPECT_EQ(config->queue.valkey.host, "cache");
  EXPECT_EQ(config->queue.valkey.port, 6380);
  EXPECT_EQ(config->queue.valkey.db, 2);
  EXPECT_EQ(config->queue.valkey.password, "secret");
  EXPECT_EQ(config->queue.name, "usage");
  EXPECT_EQ(config->worker.concurrency, 8);
  EXPECT_EQ(config->http.max_body_bytes, 2048u);
  EXPECT_EQ(config->queue.max_depth, 50);
  EXPECT_EQ(config->log_level, "debug");
  EXPECT_EQ(config->log_format, "text");
  EXPECT_EQ(config->http.io_threads, 3);
  EXPECT_EQ(config->worker.max_batch_size, 500u);
  EXPECT_EQ(config->queue.push_linger_us, 0);
  EXPECT_EQ(config->store.usage_cache_ms, 0);
}

TEST_F(ConfigTest, BadValuesNameTheVariable) {
  // A list, not a map: a variable may appear with several bad values.
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"PORT", "0"},          {"PORT", "http"},          {"PORT", "70000"},
      {"WORKER_CONCURRENCY", "0"}, {"MAX_BODY_BYTES", "1k"}, {"MAX_QUEUE_DEPTH", "-1"},
      {"DATABASE_URL", "mysql://x"}, {"VALKEY_URL", "http://x"}, {"LOG_LEVEL", "loud"},
      {"QUEUE_NAME", "a b"}, {"PUSH_LINGER_US", "100001"}, {"PUSH_LINGER_US", "-1"}};
  for (const auto& [name, value] : bad) {
    env_ = {{name, value}};
    Result<Config> config = Load();
    ASSERT_FALSE(config.ok()) << name << "=" << value;
    EXPECT_EQ(config.status().code(), Status::Code::kInvalidArgument);
    EXPECT_EQ(config.status().message().rfind(name + "=", 0), 0u) << config.status().message();
    EXPECT_EQ(config.status().message().find('\n'), std::string::npos);
  }
}

TEST_F(ConfigTest, HelpListsEveryVariable) {
  const std::string help = ConfigHelp();
  for (const char* name : {"PORT", "DATABASE_URL", "VALKEY_URL", "QUEUE_NAME", "WORKER_CONCURRENCY",
                           "MAX_BODY_BYTES", "MAX_QUEUE_DEPTH", "LOG_LEVEL", "LOG_FORMAT", "IO_THREADS",
                           "BATCH_SIZE", "BATCH_LINGER_MS", "PUSH_LINGER_US", "USAGE_READERS", "HISTORY_READERS", "USAGE_CACHE_MS", "QUEUE_LEASE_MS", "ADMIN_TOKEN",
                           "REQUIRE_API_KEYS", "WEBHOOK_SECRET", "WEBHOOK_TIMEOUT_MS", "ALERT_RETRY_AFTER_MS",
                           "API_KEY_MISS_CACHE", "API_KEY_LOOKUP_QUEUE", "AUTO_CREATE_TENANTS", "MAX_TENANTS",
                           "TENANT_CREATION_QUEUE", "ADMIN_QUEUE"}) {
    EXPECT_NE(help.find(name), std::string::npos) << name;
  }
}

// Each variable is two lines: "  NAME   meaning", then "default: D; allowed: A".
struct HelpEntry {
  std::string name, default_text, allowed;
};

std::vector<HelpEntry> ParseHelp(const std::string& help) {
  static const std::regex kName(R"(^  ([A-Z][A-Z0-9_]+) +\S.*$)");
  static const std::regex kDetail(R"(^ +default: (.*); allowed: (.+)$)");
  std::vector<HelpEntry> entries;
  std::istringstream lines(help);
  std::string line;
  std::smatch m;
  while (std::getline(lines, line)) {
    if (std::regex_match(line, m, kName)) {
      entries.push_back({m[1], "", ""});
    } else if (!entries.empty() && std::regex_match(line, m, kDetail)) {
      entries.back().default_text = m[1];
      entries.back().allowed = m[2];
    }
  }
  return entries;
}

TEST_F(ConfigTest, HelpShowsEachVariablesDefaultAndAllowedValues) {
  const std::vector<HelpEntry> entries = ParseHelp(ConfigHelp());
  ASSERT_GE(entries.size(), 29u);
  for (const HelpEntry& entry : entries) {
    EXPECT_FALSE(entry.default_text.empty()) << entry.name;
    EXPECT_FALSE(entry.allowed.empty()) << entry.name;
  }
}

// The range --help prints for an integer is the one LoadConfig enforces,
// and every printed default is accepted.
TEST_F(ConfigTest, HelpRangesAreTheValidatedRanges) {
  static const std::regex kRange(R"((-?\d+)\.\.(-?\d+))");
  int ranges = 0;
  for (const HelpEntry& entry : ParseHelp(ConfigHelp())) {
    if (entry.default_text.front() != '(') {
      env_ = {{entry.name, entry.default_text}};
      EXPECT_TRUE(Load().ok()) << entry.name << "=" << entry.default_text;
    }
    std::smatch m;
    if (!std::regex_match(entry.allowed, m, kRange)) continue;
    ++ranges;
    const long long min = std::stoll(m[1]), max = std::stoll(m[2]);
    for (const auto& [value, ok] : {std::pair{min, true}, {max, true}, {min - 1, false}, {max + 1, false}}) {
      env_ = {{entry.name, std::to_string(value)}};
      EXPECT_EQ(Load().ok(), ok) << entry.name << "=" << value;
    }
  }
  EXPECT_GE(ranges, 20);
}

TEST_F(ConfigTest, ReadsTenantAndAlertVariables) {
  Result<Config> defaults = Load();
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->tenants.admin_token, "");
  EXPECT_FALSE(defaults->tenants.require_api_keys);
  EXPECT_EQ(defaults->alerts.webhook_timeout_ms, 5000);
  env_ = {{"ADMIN_TOKEN", "0123456789abcdef-token"}, {"REQUIRE_API_KEYS", "true"},  {"WEBHOOK_SECRET", "s"},
          {"WEBHOOK_TIMEOUT_MS", "300"},             {"WEBHOOK_BACKOFF_MS", "10"}, {"ALERT_RETRY_AFTER_MS", "2000"},
          {"API_KEY_REFRESH_MS", "500"}};
  Result<Config> config = Load();
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->tenants.admin_token, "0123456789abcdef-token");
  EXPECT_TRUE(config->tenants.require_api_keys);
  EXPECT_EQ(config->tenants.key_refresh_ms, 500);
  EXPECT_EQ(config->alerts.webhook_secret, "s");
  EXPECT_EQ(config->alerts.webhook_timeout_ms, 300);
  EXPECT_EQ(config->alerts.webhook_backoff_ms, 10);
  EXPECT_EQ(config->alerts.stale_claim_ms, 2000);
}

TEST_F(ConfigTest, ReadsTheBoundsOfKeysAndTenantCreation) {
  Result<Config> defaults = Load();
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->tenants.key_miss_cache, 100000u);
  EXPECT_EQ(defaults->tenants.key_lookup_queue, 1000u);
  EXPECT_EQ(defaults->tenants.max_tenants, 100000);
  EXPECT_EQ(defaults->tenants.tenant_creation_queue, 1000u);
  EXPECT_EQ(defaults->tenants.admin_queue, 1000u);
  EXPECT_TRUE(defaults->tenants.AutoCreate());
  env_ = {{"API_KEY_MISS_CACHE", "10"}, {"API_KEY_LOOKUP_QUEUE", "20"},    {"MAX_TENANTS", "30"},
          {"TENANT_CREATION_QUEUE", "40"}, {"ADMIN_QUEUE", "50"}, {"AUTO_CREATE_TENANTS", "false"}};
  Result<Config> config = Load();
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->tenants.key_miss_cache, 10u);
  EXPECT_EQ(config->tenants.key_lookup_queue, 20u);
  EXPECT_EQ(config->tenants.max_tenants, 30);
  EXPECT_EQ(config->tenants.tenant_creation_queue, 40u);
  EXPECT_EQ(config->tenants.admin_queue, 50u);
  EXPECT_FALSE(config->tenants.AutoCreate());
}

TEST_F(ConfigTest, AutoCreationFollowsRequireApiKeysUnlessSet) {
  env_ = {{"REQUIRE_API_KEYS", "true"}};
  ASSERT_TRUE(Load().ok());
  EXPECT_FALSE(Load()->tenants.AutoCreate());
  env_ = {{"REQUIRE_API_KEYS", "true"}, {"AUTO_CREATE_TENANTS", "false"}};
  ASSERT_TRUE(Load().ok());
  EXPECT_FALSE(Load()->tenants.AutoCreate());
  env_ = {{"REQUIRE_API_KEYS", "false"}, {"AUTO_CREATE_TENANTS", ""}};
  ASSERT_TRUE(Load().ok());
  EXPECT_TRUE(Load()->tenants.AutoCreate());
  env_ = {{"AUTO_CREATE_TENANTS", "maybe"}};
  EXPECT_FALSE(Load().ok());
}

TEST_F(ConfigTest, AutoCreationWithRequiredKeysIsRefusedNamingBoth) {
  env_ = {{"REQUIRE_API_KEYS", "true"}, {"AUTO_CREATE_TENANTS", "true"}};
  Result<Config> config = Load();
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("AUTO_CREATE_TENANTS"), std::string::npos) << config.status().message();
  EXPECT_NE(config.status().message().find("REQUIRE_API_KEYS"), std::string::npos) << config.status().message();
}

TEST_F(ConfigTest, ReadsWebhookRetryAndAddressVariables) {
  Result<Config> defaults = Load();
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->alerts.webhook_max_tries, 10);
  EXPECT_EQ(defaults->alerts.webhook_max_backoff_ms, 600000);
  EXPECT_FALSE(defaults->alerts.webhook_allow_private);
  env_ = {{"WEBHOOK_MAX_TRIES", "4"}, {"WEBHOOK_MAX_BACKOFF_MS", "2500"}, {"WEBHOOK_ALLOW_PRIVATE", "1"}};
  Result<Config> config = Load();
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->alerts.webhook_max_tries, 4);
  EXPECT_EQ(config->alerts.webhook_max_backoff_ms, 2500);
  EXPECT_TRUE(config->alerts.webhook_allow_private);
  for (const auto& [name, bad] : std::vector<std::pair<std::string, std::string>>{
           {"WEBHOOK_MAX_TRIES", "0"}, {"WEBHOOK_MAX_TRIES", "101"}, {"WEBHOOK_ALLOW_PRIVATE", "yes"}}) {
    env_ = {{name, bad}};
    EXPECT_FALSE(Load().ok()) << name << "=" << bad;
  }
  const std::string help = ConfigHelp();
  for (const char* name : {"WEBHOOK_MAX_TRIES", "WEBHOOK_MAX_BACKOFF_MS", "WEBHOOK_ALLOW_PRIVATE"}) {
    EXPECT_NE(help.find(name), std::string::npos) << name;
  }
}

TEST_F(ConfigTest, ABadSecretIsNamedButNeverEchoed) {
  env_ = {{"ADMIN_TOKEN", "short-secret"}};
  Result<Config> config = Load();
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message().rfind("ADMIN_TOKEN=", 0), 0u);
  EXPECT_EQ(config.status().message().find("short-secret"), std::string::npos) << config.status().message();
  env_ = {{"REQUIRE_API_KEYS", "yes"}};
  EXPECT_FALSE(Load().ok());
}

TEST_F(ConfigTest, MaxTenantsPerPageBoundsThePagedTenantLists) {
  Result<Config> defaults = Load();
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->tenants.max_tenants_per_page, 500);
  env_ = {{"MAX_TENANTS_PER_PAGE", "50"}};
  ASSERT_TRUE(Load().ok());
  EXPECT_EQ(Load()->tenants.max_tenants_per_page, 50);
  for (const char* bad : {"0", "10001", "many"}) {
    env_ = {{"MAX_TENANTS_PER_PAGE", bad}};
    EXPECT_FALSE(Load().ok()) << bad;
  }
  EXPECT_NE(ConfigHelp().find("MAX_TENANTS_PER_PAGE"), std::string::npos);
}

TEST(ValkeyUrl, ParsesHostPortDatabaseAndPassword) {
  Result<ValkeyEndpoint> plain = ParseValkeyUrl("redis://127.0.0.1");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->host, "127.0.0.1");
  EXPECT_EQ(plain->port, 6379);
  EXPECT_EQ(plain->db, 0);
  Result<ValkeyEndpoint> full = ParseValkeyUrl("redis://user:pw@valkey:7000/3");
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->password, "pw");
  EXPECT_EQ(full->host, "valkey");
  EXPECT_EQ(full->port, 7000);
  EXPECT_EQ(full->db, 3);
  EXPECT_FALSE(ParseValkeyUrl("redis://:6379").ok());
  EXPECT_FALSE(ParseValkeyUrl("redis://host:0").ok());
  EXPECT_FALSE(ParseValkeyUrl("redis://host/99").ok());
}

TEST_F(ConfigTest, QuerySizesAndReadQueuesAreBoundedOptions) {
  Result<Config> defaults = Load();
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->store.usage_max_features, 100u);
  EXPECT_EQ(defaults->store.usage_read_queue, 1000u);
  EXPECT_EQ(defaults->store.history_read_queue, 1000u);
  env_ = {{"USAGE_MAX_FEATURES", "5"}, {"USAGE_READ_QUEUE", "1"}, {"HISTORY_READ_QUEUE", "2"}};
  Result<Config> config = Load();
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->store.usage_max_features, 5u);
  EXPECT_EQ(config->store.usage_read_queue, 1u);
  EXPECT_EQ(config->store.history_read_queue, 2u);
  for (const char* name : {"USAGE_MAX_FEATURES", "USAGE_READ_QUEUE", "HISTORY_READ_QUEUE"}) {
    env_ = {{name, "0"}};
    EXPECT_FALSE(Load().ok()) << name;
    EXPECT_NE(ConfigHelp().find(name), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace flagmeter
