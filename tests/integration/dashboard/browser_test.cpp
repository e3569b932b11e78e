// The dashboard in a real browser: tests/browser/dashboard_test.mjs and
// dashboard_paging_test.mjs drive the system's headless Chromium against a
// real flagmeter. Needs node (with npm, to install playwright-core once into
// tests/browser/node_modules) and /usr/bin/chromium; fails, never skips,
// when they are missing.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "dashboard_fixture.hpp"

namespace flagmeter::test {
namespace {

namespace fs = std::filesystem;

const fs::path kSourceDir = fs::path(__FILE__).parent_path().parent_path().parent_path().parent_path();
const fs::path kBrowserDir = kSourceDir / "tests" / "browser";
const fs::path kBuildDir = fs::path(FLAGMETER_BINARY).parent_path();

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> chunk{};
  while (fgets(chunk.data(), chunk.size(), pipe) != nullptr) result.output += chunk.data();
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string Quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

bool IsPng(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::array<char, 8> magic{};
  in.read(magic.data(), magic.size());
  return in && std::string(magic.data(), 4) == "\x89PNG";
}

// Runs tests/browser/<script> against the fixture's server, saving its
// screenshot as <build>/<screenshot>; checks node, Chromium and
// playwright-core first (installing the latter once).
void RunBrowserScript(const std::string& base_url, const std::string& script, const std::string& screenshot_name) {
  const CommandResult node = RunCommand("node --version");
  ASSERT_EQ(node.exit_code, 0) << "node is required for the browser test (Debian: apt-get install nodejs npm): "
                               << node.output;
  ASSERT_TRUE(fs::exists("/usr/bin/chromium"))
      << "/usr/bin/chromium is required for the browser test (Debian: apt-get install chromium chromium-driver)";
  // Browser tests run in parallel: the first installs while the others wait
  // on the lock, so none starts node on a half-installed node_modules.
  const CommandResult install = RunCommand(
      "cd " + Quote(kBrowserDir.string()) + " && flock " + Quote((kBuildDir / "npm-install.lock").string()) +
      " sh -c '[ -e node_modules/.package-lock.json ] && [ -d node_modules/playwright-core ] ||"
      " npm install --no-audit --no-fund'");
  ASSERT_EQ(install.exit_code, 0) << "npm install in " << kBrowserDir << " failed:\n" << install.output;
  const fs::path screenshot = kBuildDir / screenshot_name;
  fs::remove(screenshot);
  const CommandResult run = RunCommand("FLAGMETER_ADMIN_TOKEN=" + Quote(kDashboardAdminToken) + " timeout 60 node " +
                                       Quote((kBrowserDir / script).string()) + " " + Quote(base_url) + " " +
                                       Quote(screenshot.string()));
  std::cout << run.output;
  EXPECT_EQ(run.exit_code, 0) << "the browser test failed (exit " << run.exit_code << "):\n" << run.output;
  EXPECT_TRUE(IsPng(screenshot)) << "no screenshot at " << screenshot;
}

TEST_F(DashboardTest, PageUpdatesInChromiumWithoutReload) {
  RunBrowserScript(BaseUrl(), "dashboard_test.mjs", "dashboard.png");
}

TEST_F(DashboardTest, NextShowsTheSecondPageOfTenantsInChromium) {
  RunBrowserScript(BaseUrl(), "dashboard_paging_test.mjs", "dashboard-page-2.png");
}

}  // namespace
}  // namespace flagmeter::test
