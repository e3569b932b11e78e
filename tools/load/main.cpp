// flagmeter-load: the seed's k6 load test as a native program, plus an
// open-loop mode and a conservation check. See --help (help.cpp).
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "load/drain.hpp"
#include "load/http_connection.hpp"
#include "load/options.hpp"
#include "load/runner.hpp"
#include "load/summary.hpp"
#include "load/workload.hpp"

namespace {

using namespace flagmeter::load;

std::atomic<bool> g_stop{false};

// First SIGINT/SIGTERM: stop the load and still check conservation.
// Second: leave at once.
extern "C" void OnSignal(int) {
  if (g_stop.exchange(true)) _exit(130);
}

// Every VU holds a socket; the soft limit (often 1024) would cap the run.
void RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

void PrintPlan(const Options& o) {
  std::string tenants;
  for (const std::string& t : o.tenants) tenants += (tenants.empty() ? "" : ",") + o.tenant_prefix + t;
  if (o.mode == Mode::kArrivalRate) {
    std::fprintf(stderr, "flagmeter-load: %s, open loop at %.1f iterations/s for %s\n", o.base_url_text.c_str(), o.rate,
                 FormatDuration(o.rate_duration).c_str());
  } else {
    std::fprintf(stderr, "flagmeter-load: %s, profile %s: up to %d VUs for %s\n", o.base_url_text.c_str(),
                 o.profile_name.c_str(), o.profile.MaxVus(), FormatDuration(o.profile.TotalDuration()).c_str());
  }
  std::fprintf(stderr, "flagmeter-load: tenants %s, %d io threads, seed %llu\n", tenants.c_str(), o.threads,
               static_cast<unsigned long long>(o.seed));
}

bool WriteJson(const std::string& path, const nlohmann::json& results) {
  std::ofstream out(path, std::ios::trunc);
  out << results.dump(2) << '\n';
  out.close();
  if (!out) {
    std::fprintf(stderr, "flagmeter-load: cannot write results to %s (does its folder exist?)\n", path.c_str());
    return false;
  }
  std::fprintf(stderr, "flagmeter-load: results written to %s\n", path.c_str());
  return true;
}

int ExitCodeOf(const Options& o, const ConservationResult& conservation, bool thresholds_passed) {
  if (o.conservation && !conservation.Passed()) return kExitConservationFailed;
  if (o.fail_on_thresholds && !thresholds_passed) return kExitThresholdsFailed;
  return kExitOk;
}

int Run(const Options& o) {
  const Workload workload(o);
  const auto endpoint = ResolveEndpoint(o.base_url.host, o.base_url.port);
  if (!endpoint.ok()) {
    std::fprintf(stderr, "flagmeter-load: %s\n", endpoint.status().ToString().c_str());
    return kExitSetupFailed;
  }
  PrintPlan(o);
  const ServiceProbe probe{*endpoint, HostHeader(o.base_url), workload, o.request_timeout};
  TokenTotals before;
  if (o.conservation) {
    flagmeter::Result<TokenTotals> totals = ReadUsageTotals(probe);
    if (!totals.ok()) {
      std::fprintf(stderr, "flagmeter-load: baseline usage: %s (is FlagMeter serving %s?)\n",
                   totals.status().ToString().c_str(), o.base_url_text.c_str());
      return kExitSetupFailed;
    }
    before = *totals;
  }
  const RunOutcome outcome = RunLoad(o, workload, *endpoint, g_stop);
  if (outcome.interrupted) std::fprintf(stderr, "flagmeter-load: interrupted; the numbers cover the run so far\n");
  const auto thresholds = EvaluateThresholds(outcome.stats);
  std::fputs(FormatSummary(outcome.stats, outcome.elapsed_seconds, thresholds).c_str(), stdout);
  std::fflush(stdout);
  ConservationResult conservation;
  if (o.conservation) {
    std::fprintf(stderr, "flagmeter-load: waiting for the queue to drain (up to %s)\n",
                 FormatDuration(o.drain_timeout).c_str());
    g_stop.store(false);  // a first Ctrl-C during the drain gives up waiting
    conservation = AwaitConservation(probe, before, outcome.stats.acknowledged_tokens, o.drain_timeout, g_stop);
  }
  std::fputs(("\n" + FormatConservation(conservation)).c_str(), stdout);
  std::fflush(stdout);
  if (!o.json_path.empty() &&
      !WriteJson(o.json_path, ResultsJson(o, outcome.stats, outcome.elapsed_seconds, thresholds, conservation))) {
    return kExitSetupFailed;
  }
  return ExitCodeOf(o, conservation, AllPassed(thresholds));
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  const auto command_line = ParseCommandLine(args);
  if (!command_line.ok()) {
    std::fprintf(stderr, "flagmeter-load: %s\nRun flagmeter-load --help for the options.\n",
                 command_line.status().message().c_str());
    return kExitUsage;
  }
  if (command_line->help) {
    std::fputs(HelpText().c_str(), stdout);
    return kExitOk;
  }
  RaiseFileLimit();
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  return Run(command_line->options);
}
