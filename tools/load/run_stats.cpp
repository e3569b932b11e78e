#include "load/run_stats.hpp"

namespace flagmeter::load {

void RunStats::RecordRequest(Endpoint endpoint, int status, std::uint64_t micros) {
  ++requests;
  ++status_counts[status];
  if (status == 0 || status >= 400) ++failed_requests;
  all.Record(micros);
  (endpoint == Endpoint::kPostEvent ? post : usage).Record(micros);
}

void RunStats::RecordFailure(const std::string& what) {
  const auto it = failures.find(what);
  if (it != failures.end()) {
    ++it->second;
  } else {
    ++failures[failures.size() < kMaxFailureKinds ? what : std::string("other")];
  }
}

bool RunStats::RecordCheck(std::string_view name, bool passed) {
  auto it = checks.find(name);
  if (it == checks.end()) it = checks.emplace(std::string(name), CheckCount{}).first;
  CheckCount& count = it->second;
  ++(passed ? count.passes : count.fails);
  return passed;
}

void RunStats::RecordCheckGroup(bool all_passed) {
  ++check_groups;
  if (!all_passed) ++failed_groups;
}

void RunStats::Merge(const RunStats& other) {
  all.Merge(other.all);
  post.Merge(other.post);
  usage.Merge(other.usage);
  for (const auto& [status, count] : other.status_counts) status_counts[status] += count;
  for (const auto& [name, count] : other.checks) {
    checks[name].passes += count.passes;
    checks[name].fails += count.fails;
  }
  requests += other.requests;
  failed_requests += other.failed_requests;
  check_groups += other.check_groups;
  failed_groups += other.failed_groups;
  iterations += other.iterations;
  dropped += other.dropped;
  acknowledged_events += other.acknowledged_events;
  for (const auto& [tenant, tokens] : other.acknowledged_tokens) acknowledged_tokens[tenant] += tokens;
  for (const auto& [what, count] : other.failures) failures[what] += count;
}

}  // namespace flagmeter::load
