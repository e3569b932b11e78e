#include "load/options.hpp"

#include <gtest/gtest.h>

namespace flagmeter::load {
namespace {

Result<CommandLine> Parse(std::vector<std::string> args) { return ParseCommandLine(args); }

TEST(Options, DefaultsToTheSeedProfileOnLocalhost) {
  const auto parsed = Parse({});
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const Options& o = parsed->options;
  EXPECT_EQ(o.mode, Mode::kVirtualUsers);
  EXPECT_EQ(o.profile_name, "seed");
  EXPECT_EQ(o.profile.TotalDuration(), std::chrono::minutes(5));
  EXPECT_EQ(o.base_url.host, "127.0.0.1");
  EXPECT_EQ(o.base_url.port, "3000");
  EXPECT_EQ(o.tenants, (std::vector<std::string>{"acme-corp", "globex-inc", "initech-llc"}));
  EXPECT_EQ(o.features.size(), 4u);
  EXPECT_TRUE(o.conservation);
}

TEST(Options, ConstantVusAndBothValueSpellings) {
  const auto parsed = Parse({"--vus", "200", "--duration=15s", "--seed", "42", "--json=/tmp/x.json", "--no-conservation"});
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const Options& o = parsed->options;
  EXPECT_EQ(o.profile_name, "constant");
  EXPECT_EQ(o.profile.MaxVus(), 200);
  EXPECT_EQ(o.profile.TotalDuration(), std::chrono::seconds(15));
  EXPECT_EQ(o.seed, 42u);
  EXPECT_EQ(o.json_path, "/tmp/x.json");
  EXPECT_FALSE(o.conservation);
}

TEST(Options, OpenLoopRate) {
  const auto parsed = Parse({"--rate", "500", "--duration", "10s", "--connections", "128"});
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->options.mode, Mode::kArrivalRate);
  EXPECT_DOUBLE_EQ(parsed->options.rate, 500);
  EXPECT_EQ(parsed->options.rate_duration, std::chrono::seconds(10));
  EXPECT_EQ(parsed->options.connections, 128);
}

TEST(Options, ShortAndStagesAndLists) {
  EXPECT_EQ(Parse({"--short"})->options.profile_name, "short");
  EXPECT_EQ(Parse({"--profile", "short"})->options.profile.TotalDuration(), std::chrono::seconds(30));
  const auto parsed = Parse({"--stages", "5s:10,5s:0", "--tenants", "a,b", "--features", "f", "--tenant-prefix", "t1-"});
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->options.profile.MaxVus(), 10);
  EXPECT_EQ(parsed->options.tenants, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(parsed->options.features, (std::vector<std::string>{"f"}));
  EXPECT_EQ(parsed->options.tenant_prefix, "t1-");
}

TEST(Options, AutoTenantPrefixIsUniquePerRun) {
  const std::string a = Parse({"--tenant-prefix", "auto"})->options.tenant_prefix;
  const std::string b = Parse({"--tenant-prefix", "auto"})->options.tenant_prefix;
  EXPECT_EQ(a.rfind("load-", 0), 0u);
  EXPECT_NE(a, b);
}

TEST(Options, RejectsWhatWouldBeAmbiguousOrWrong) {
  EXPECT_FALSE(Parse({"--vus", "10"}).ok());                          // no duration
  EXPECT_FALSE(Parse({"--duration", "10s"}).ok());                    // duration alone
  EXPECT_FALSE(Parse({"--short", "--vus", "1", "--duration", "1s"}).ok());
  EXPECT_FALSE(Parse({"--profile", "long"}).ok());
  EXPECT_FALSE(Parse({"--vus", "0", "--duration", "1s"}).ok());
  EXPECT_FALSE(Parse({"--tenants", "a,,b"}).ok());
  EXPECT_FALSE(Parse({"--tenants", "a,a"}).ok());
  EXPECT_FALSE(Parse({"--usage-ratio", "1.5"}).ok());
  EXPECT_FALSE(Parse({"--base-url", "https://x"}).ok());
  EXPECT_FALSE(Parse({"--seed"}).ok());
  const auto unknown = Parse({"--bogus"});
  EXPECT_NE(unknown.status().message().find("--bogus"), std::string::npos);
}

TEST(Options, HelpWins) { EXPECT_TRUE(Parse({"--vus", "1", "--help"})->help); }

TEST(BaseUrl, ParsesHostPortAndPrefix) {
  auto url = ParseBaseUrl("http://localhost:8080/meter/");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "localhost");
  EXPECT_EQ(url->port, "8080");
  EXPECT_EQ(url->path_prefix, "/meter");
  url = ParseBaseUrl("http://example.com");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->port, "80");
  EXPECT_EQ(url->path_prefix, "");
  EXPECT_EQ(HostHeader(*url), "example.com");
  url = ParseBaseUrl("http://[::1]:3000");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(HostHeader(*url), "[::1]:3000");
  EXPECT_FALSE(ParseBaseUrl("http://:3000").ok());
  EXPECT_FALSE(ParseBaseUrl("http://host:99999").ok());
  EXPECT_FALSE(ParseBaseUrl("localhost:3000").ok());
}

TEST(Options, HelpListsTheExitCodes) {
  const std::string help = HelpText();
  for (const char* needle : {"Exit codes", "  0  ", "  1  ", "  2  ", "  3  ", "  4  ", "--rate", "--tenant-prefix"}) {
    EXPECT_NE(help.find(needle), std::string::npos) << needle;
  }
}

}  // namespace
}  // namespace flagmeter::load
