// promtool's own checks of infra/prometheus: the configuration as shipped
// and as the stack test renders it, the alert rules, and the rules' unit
// tests (tests/ops/alerts_test.yml).

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "integration/ops/child_process.hpp"
#include "integration/ops/ops_paths.hpp"

namespace flagmeter::test {
namespace {

class PromtoolTest : public ::testing::Test {
 protected:
  CommandResult Promtool(const std::vector<std::string>& args) {
    std::vector<std::string> argv{kPromtoolBinary};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, scratch_.path());
  }

  TempDir scratch_{"flagmeter-promtool"};
};

TEST_F(PromtoolTest, ShippedConfigIsValidWithItsRuleFiles) {
  const CommandResult result = Promtool({"check", "config", SourcePath("infra/prometheus/prometheus.yml")});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  // The config names alerts.yml, so this also proves the rule file is found.
  EXPECT_NE(result.output.find("SUCCESS: 1 rule files found"), std::string::npos) << result.output;
}

TEST_F(PromtoolTest, AlertRulesAreValid) {
  const CommandResult result = Promtool({"check", "rules", SourcePath("infra/prometheus/alerts.yml")});
  EXPECT_EQ(result.exit_code, 0) << result.output;
}

TEST_F(PromtoolTest, AlertRulesPassTheirUnitTests) {
  const CommandResult result = Promtool({"test", "rules", SourcePath("tests/ops/alerts_test.yml")});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("SUCCESS"), std::string::npos) << result.output;
}

TEST_F(PromtoolTest, RenderedTestConfigIsValidAndKeepsEveryJob) {
  const std::string out = scratch_.path() + "/prometheus.yml";
  const CommandResult rendered = RunCommand(
      {"python3", SourcePath("tests/ops/prometheus_setup.py"), "render", "--source",
       SourcePath("infra/prometheus/prometheus.yml"), "--out", out, "--scrape-interval", "1s", "--target",
       "flagmeter=127.0.0.1:1", "--target", "postgres=127.0.0.1:2", "--target", "valkey=127.0.0.1:3", "--target",
       "prometheus=127.0.0.1:4"},
      scratch_.path());
  ASSERT_EQ(rendered.exit_code, 0) << rendered.output;
  const CommandResult checked = Promtool({"check", "config", out});
  EXPECT_EQ(checked.exit_code, 0) << checked.output;
  const std::string text = ReadFile(out);
  for (const std::string job : {"flagmeter", "postgres", "valkey", "prometheus"}) {
    EXPECT_NE(text.find("job_name: " + job + "\n"), std::string::npos) << job << " in:\n" << text;
  }
  EXPECT_NE(text.find(SourcePath("infra/prometheus/alerts.yml")), std::string::npos) << text;
}

TEST_F(PromtoolTest, RenderRefusesAConfigWithAnUntargetedJob) {
  // A job added to prometheus.yml must also be covered by the stack test.
  const CommandResult rendered =
      RunCommand({"python3", SourcePath("tests/ops/prometheus_setup.py"), "render", "--source",
                  SourcePath("infra/prometheus/prometheus.yml"), "--out", scratch_.path() + "/p.yml", "--target",
                  "flagmeter=127.0.0.1:1"},
                 scratch_.path());
  EXPECT_EQ(rendered.exit_code, 2) << rendered.output;
  EXPECT_NE(rendered.output.find("no test target for"), std::string::npos) << rendered.output;
}

}  // namespace
}  // namespace flagmeter::test
