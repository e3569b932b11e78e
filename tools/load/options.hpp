#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "flagmeter/core/status.hpp"
#include "load/profile.hpp"

namespace flagmeter::load {

/// Process exit codes (also listed by --help).
enum ExitCode : int {
  kExitOk = 0,                  // run done, conservation exact (or skipped), thresholds met or not enforced
  kExitConservationFailed = 1,  // acknowledged tokens differ from the usage increase, or the queue did not drain
  kExitUsage = 2,               // bad command line
  kExitThresholdsFailed = 3,    // a threshold was crossed and --fail-on-thresholds was given
  kExitSetupFailed = 4,         // target unreachable, baseline usage unreadable, --json file not writable
};

/// Where the service is: http://host[:port][/prefix]. Only plain HTTP.
struct BaseUrl {
  std::string host;
  std::string port;
  std::string path_prefix;  // "" or "/prefix", without a trailing slash
};

/// Parses "http://host[:port][/prefix]"; host may be a bracketed IPv6 address.
Result<BaseUrl> ParseBaseUrl(std::string_view url);

/// The Host header for `url`: host, bracketed when IPv6, with the port
/// unless it is 80.
std::string HostHeader(const BaseUrl& url);

/// How load is generated.
enum class Mode {
  kVirtualUsers,  // closed loop: each VU runs iterations back to back (k6 ramping-vus)
  kArrivalRate,   // open loop: iterations start at fixed intended times (k6 constant-arrival-rate)
};

/// Everything the command line sets, validated. A value type.
struct Options {
  std::string base_url_text = "http://127.0.0.1:3000";
  BaseUrl base_url;
  Mode mode = Mode::kVirtualUsers;
  std::string profile_name = "seed";  // seed, short, stages, constant, rate
  Profile profile;                    // kVirtualUsers only
  double rate = 0;                    // kArrivalRate: iterations per second
  Millis rate_duration{30'000};       // kArrivalRate: how long
  int connections = 0;                // kArrivalRate: connection pool size (0: derived from the rate)
  std::vector<std::string> tenants{"acme-corp", "globex-inc", "initech-llc"};
  std::vector<std::string> features{"gpt-4-turbo", "gpt-4o", "claude-3-opus", "claude-3-sonnet"};
  std::string tenant_prefix;          // prepended to every tenant name
  std::uint64_t seed = 0;
  bool seed_given = false;
  std::string json_path;              // empty: no JSON file
  bool conservation = true;
  bool fail_on_thresholds = false;
  int threads = 2;                    // io threads, each with its own share of the VUs
  double usage_probability = 0.2;     // chance of the GET after each POST
  Millis max_sleep{50};               // closed loop: random think time in [0, max_sleep]
  Millis request_timeout{60'000};
  Millis drain_timeout{60'000};
  Millis progress_interval{10'000};   // 0: no progress lines
};

/// Result of reading the command line: either options, or a request for help.
struct CommandLine {
  bool help = false;
  Options options;
};

/// Parses argv[1..]. Accepts "--name value" and "--name=value". The error
/// names the offending option and what it expects.
Result<CommandLine> ParseCommandLine(const std::vector<std::string>& args);

/// The --help text, with defaults and exit codes.
std::string HelpText();

}  // namespace flagmeter::load
