// flagmeter: reads its configuration from the environment and runs the
// service (src/app/service.cpp) until SIGINT or SIGTERM.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <spdlog/spdlog.h>

#include "flagmeter/app/build_info.hpp"
#include "flagmeter/app/logging.hpp"
#include "flagmeter/app/service.hpp"
#include "flagmeter/config/config.hpp"

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::fputs(flagmeter::ConfigHelp().c_str(), stdout);
      return 0;
    }
    if (std::strcmp(argv[i], "--version") == 0) {
      std::printf("flagmeter %s (commit %s)\n", flagmeter::BuildVersion(), flagmeter::BuildCommit());
      return 0;
    }
    std::fprintf(stderr, "flagmeter: unknown argument '%s' (try --help)\n", argv[i]);
    return 2;
  }
  flagmeter::Result<flagmeter::Config> config = flagmeter::LoadConfig(std::getenv);
  if (!config.ok()) {
    std::fprintf(stderr, "flagmeter: bad configuration: %s\n", config.status().message().c_str());
    return 2;
  }
  flagmeter::ConfigureLogging(config->log_level, config->log_format);
  spdlog::info("flagmeter {} (commit {})", flagmeter::BuildVersion(), flagmeter::BuildCommit());
  // A peer that vanished must cost an error code on that write, not the
  // process (hiredis writes with plain write()).
  std::signal(SIGPIPE, SIG_IGN);
  return flagmeter::RunService(*config);
}
