// The binary's command line and configuration errors.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

#include <gtest/gtest.h>

namespace flagmeter::test {
namespace {

struct RunResult {
  int exit_code = -1;
  std::string output;
};

RunResult RunBinary(const std::string& env_and_args) {
  const std::string command = env_and_args + " 2>&1";
  RunResult run;
  FILE* pipe = ::popen(command.c_str(), "r");
  std::array<char, 4096> chunk{};
  while (std::size_t n = std::fread(chunk.data(), 1, chunk.size(), pipe)) run.output.append(chunk.data(), n);
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

TEST(CommandLine, HelpListsEveryVariable) {
  const RunResult run = RunBinary(std::string(FLAGMETER_BINARY) + " --help");
  EXPECT_EQ(run.exit_code, 0);
  for (const char* name : {"PORT", "DATABASE_URL", "VALKEY_URL", "QUEUE_NAME", "WORKER_CONCURRENCY", "MAX_BODY_BYTES",
                           "MAX_QUEUE_DEPTH", "LOG_LEVEL"}) {
    EXPECT_NE(run.output.find(name), std::string::npos) << name;
  }
}

TEST(CommandLine, VersionNamesTheCommitTheBinaryWasBuiltFrom) {
  const RunResult run = RunBinary(std::string(FLAGMETER_BINARY) + " --version");
  EXPECT_EQ(run.exit_code, 0);
  // The build folder lies inside the checkout the binary was built from.
  const std::string binary(FLAGMETER_BINARY);
  const RunResult head =
      RunBinary("git -C '" + binary.substr(0, binary.rfind('/')) + "' rev-parse --short=12 HEAD 2>/dev/null");
  ASSERT_EQ(head.exit_code, 0) << "the tests run from a git checkout";
  const std::string commit = head.output.substr(0, 12);
  EXPECT_EQ(run.output.rfind("flagmeter " , 0), 0u) << run.output;
  EXPECT_NE(run.output.find("(commit " + commit), std::string::npos) << run.output << " vs HEAD " << commit;
}

TEST(CommandLine, BadConfigurationIsOneLineNamingTheVariableAndExitCode2) {
  for (const char* env : {"PORT=99999", "WORKER_CONCURRENCY=zero", "VALKEY_URL=http://x", "LOG_LEVEL=loud"}) {
    const RunResult run = RunBinary(std::string("env ") + env + " " + FLAGMETER_BINARY);
    EXPECT_EQ(run.exit_code, 2) << env;
    const std::string name = std::string(env).substr(0, std::string(env).find('='));
    EXPECT_NE(run.output.find(name), std::string::npos) << run.output;
    EXPECT_EQ(run.output.find('\n'), run.output.size() - 1) << "one line: " << run.output;
  }
}

}  // namespace
}  // namespace flagmeter::test
