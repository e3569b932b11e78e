#include "support/load_driver.hpp"

#include <algorithm>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "support/http_client.hpp"
#include "flagmeter/queue/queue_shards.hpp"
#include "support/test_valkey.hpp"

namespace flagmeter::test {

/// A request as built, and as kept for a re-send when it got no 201.
struct LoadDriver::Pending {
  /// Tokens and events the request carries for one tenant.
  struct Share {
    std::int64_t tokens = 0;
    std::int64_t events = 0;
  };
  std::string body;
  std::map<std::string, Share> shares;
  bool with_ids = false;
};

namespace {

constexpr auto kSettleRetryPause = std::chrono::milliseconds(100);
constexpr auto kDrainPollPause = std::chrono::milliseconds(200);
constexpr auto kStableFor = std::chrono::seconds(1);

std::string TenantName(const LoadOptions& options, bool with_ids, int n) {
  return options.tenant_prefix + (with_ids ? "-id-" : "-anon-") + std::to_string(n);
}

// One valid request: a single event or a batch, all of one kind of tenant so
// that a re-send never duplicates an event without an id.
LoadDriver::Pending MakeRequest(std::mt19937_64& rng, const LoadOptions& options, int thread,
                                std::int64_t& sequence) {
  LoadDriver::Pending request;
  const int kinds = options.tenants_with_ids + options.tenants_without_ids;
  request.with_ids = static_cast<int>(rng() % kinds) < options.tenants_with_ids;
  const int tenant_count = request.with_ids ? options.tenants_with_ids : options.tenants_without_ids;
  const bool batch = static_cast<int>(rng() % 100) < options.batch_percent;
  const int events = batch ? 2 + static_cast<int>(rng() % std::max(1, options.max_batch - 1)) : 1;
  nlohmann::json array = nlohmann::json::array();
  for (int i = 0; i < events; ++i) {
    const std::string tenant = TenantName(options, request.with_ids, static_cast<int>(rng() % tenant_count));
    const std::int64_t tokens = 1 + static_cast<std::int64_t>(rng() % 1000);
    nlohmann::json event = {{"tenant", tenant},
                            {"feature", "f" + std::to_string(rng() % options.features)},
                            {"tokens", tokens}};
    if (request.with_ids) {
      event["id"] = options.tenant_prefix + "-t" + std::to_string(thread) + "-" + std::to_string(sequence++);
    }
    request.shares[tenant].tokens += tokens;
    request.shares[tenant].events += 1;
    array.push_back(std::move(event));
  }
  request.body = batch ? array.dump() : array[0].dump();
  return request;
}

// The value of an unlabelled series in a Prometheus text exposition, or -1.
double MetricValue(const std::string& text, const std::string& name) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() > name.size() && line.compare(0, name.size(), name) == 0 && line[name.size()] == ' ') {
      return std::stod(line.substr(name.size() + 1));
    }
  }
  return -1;
}

// "" when nothing waits or is claimed anywhere, else what still is.
std::string Undrained(const DrainProbe& probe) {
  std::ostringstream busy;
  for (int port : probe.ports) {
    HttpClient client(port);
    const HttpResult metrics = client.Get("/metrics");
    const double depth = MetricValue(metrics.body, "flagmeter_queue_depth");
    const double inflight = MetricValue(metrics.body, "flagmeter_queue_inflight");
    if (metrics.status != 200 || depth != 0 || inflight != 0) {
      busy << "port " << port << ": /metrics " << metrics.status << " depth " << depth << " inflight " << inflight
           << "; ";
    }
  }
  QueueConfig layout;
  layout.name = probe.queue;
  layout.shards = probe.shards;
  layout.hash_tags = probe.hash_tags;
  const auto command = [&probe](const std::vector<std::string_view>& args) {
    return probe.cluster != nullptr ? probe.cluster->Command(args) : probe.valkey->Command(args);
  };
  // LLEN, or -1 when unreadable: not drained.
  const auto length = [&command](const std::string& key) -> long long {
    auto reply = command({"LLEN", key});
    return reply.ok() ? reply->integer : -1;
  };
  long long waiting = 0;
  long long claimed = 0;
  Result<ValkeyReply> consumers = ValkeyReply{};
  for (const std::string& shard : ShardNames(layout)) {
    waiting += length(shard);
    consumers = command({"SMEMBERS", shard + ":consumers"});
    if (!consumers.ok()) break;
    for (const ValkeyReply& id : consumers->elements) claimed += std::max(0LL, length(shard + ":processing:" + id.str));
  }
  if (waiting != 0 || claimed != 0 || !consumers.ok()) {
    busy << "valkey: " << waiting << " waiting, " << claimed << " claimed"
         << (consumers.ok() ? "" : " (consumers unreadable: " + consumers.status().ToString() + ")");
  }
  return busy.str();
}

Result<std::map<std::string, std::int64_t>> ReadTotals(int port, const std::vector<std::string>& tenants) {
  HttpClient client(port);
  std::map<std::string, std::int64_t> totals;
  for (const std::string& tenant : tenants) {
    const HttpResult usage = client.Get("/api/usage/" + tenant);
    if (usage.status == 404) {
      totals[tenant] = 0;
    } else if (usage.status == 200) {
      totals[tenant] = usage.Json().value("totalTokens", std::int64_t{-1});
    } else {
      return Status::Unavailable("GET /api/usage/" + tenant + " answered " + std::to_string(usage.status) + " " +
                                 usage.body);
    }
  }
  return totals;
}

}  // namespace

std::int64_t LoadReport::Count(const std::string& phase, int status) const {
  auto by_phase = statuses.find(phase);
  if (by_phase == statuses.end()) return 0;
  auto count = by_phase->second.find(status);
  return count == by_phase->second.end() ? 0 : count->second;
}

std::int64_t LoadReport::CountRange(int low, int high) const {
  std::int64_t total = 0;
  for (const auto& [phase, by_status] : statuses) {
    for (const auto& [status, count] : by_status) {
      if (status >= low && status <= high) total += count;
    }
  }
  return total;
}

std::string LoadReport::Summary() const {
  std::ostringstream out;
  out << "requests by phase and status (0 = no answer):\n";
  for (const auto& [phase, by_status] : statuses) {
    out << "  " << phase << ":";
    for (const auto& [status, count] : by_status) out << " " << status << "x" << count;
    out << "\n";
  }
  out << "re-sent requests: " << resent_requests << "\n";
  return out.str();
}

LoadDriver::LoadDriver(LoadOptions options)
    : options_(std::move(options)), seed_(options_.seed != 0 ? options_.seed : std::random_device{}()) {
  for (const std::string& tenant : tenants()) {
    report_.tenants[tenant].with_ids = tenant.find("-id-") != std::string::npos;
  }
}

LoadDriver::~LoadDriver() { Stop(); }

std::vector<std::string> LoadDriver::tenants() const {
  std::vector<std::string> names;
  for (int n = 0; n < options_.tenants_with_ids; ++n) names.push_back(TenantName(options_, true, n));
  for (int n = 0; n < options_.tenants_without_ids; ++n) names.push_back(TenantName(options_, false, n));
  return names;
}

void LoadDriver::Start() {
  stop_ = false;
  for (int index = 0; index < options_.threads; ++index) threads_.emplace_back([this, index] { Run(index); });
}

void LoadDriver::Stop() {
  stop_ = true;
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

void LoadDriver::SetPhase(const std::string& phase) {
  std::lock_guard lock(mu_);
  phase_ = phase;
}

void LoadDriver::Run(int index) {
  std::mt19937_64 rng(seed_ * 1000003 + static_cast<std::uint64_t>(index));
  std::vector<std::unique_ptr<HttpClient>> clients;
  for (int port : options_.ports) clients.push_back(std::make_unique<HttpClient>(port, options_.peer));
  std::int64_t sequence = 0;
  std::size_t next_client = static_cast<std::size_t>(index);
  while (!stop_) {
    Pending request = MakeRequest(rng, options_, index, sequence);
    std::string phase;
    {
      std::lock_guard lock(mu_);
      phase = phase_;
    }
    const HttpResult answer = clients[next_client++ % clients.size()]->PostJson("/api/events", request.body);
    Record(phase, answer.status, request, /*resend=*/false);
    const int pause = answer.status == 201 ? options_.pause_ms : options_.failure_pause_ms;
    std::this_thread::sleep_for(std::chrono::milliseconds(pause));
  }
}

void LoadDriver::Record(const std::string& phase, int status, Pending& request, bool resend) {
  std::lock_guard lock(mu_);
  report_.statuses[phase][status] += 1;
  if (resend) report_.resent_requests += 1;
  if (status == 201) {
    for (const auto& [tenant, share] : request.shares) {
      report_.tenants[tenant].acknowledged_tokens += share.tokens;
      report_.tenants[tenant].acknowledged_events += share.events;
      acknowledged_events_ += share.events;
    }
    return;
  }
  // A 4xx is a definite "not queued"; the tests assert there is none.
  if (status != 0 && status < 500) return;
  if (request.with_ids) {
    if (!resend) unanswered_.push_back(std::make_unique<Pending>(std::move(request)));
    return;
  }
  for (const auto& [tenant, share] : request.shares) report_.tenants[tenant].in_doubt_tokens += share.tokens;
}

void LoadDriver::Settle(std::chrono::milliseconds timeout) {
  std::vector<std::unique_ptr<Pending>> pending;
  {
    std::lock_guard lock(mu_);
    pending.swap(unanswered_);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  HttpClient client(options_.ports.front(), options_.peer);
  for (std::unique_ptr<Pending>& request : pending) {
    int status = 0;
    while (status != 201 && std::chrono::steady_clock::now() < deadline) {
      status = client.PostJson("/api/events", request->body).status;
      Record("settle", status, *request, /*resend=*/true);
      if (status != 201) std::this_thread::sleep_for(kSettleRetryPause);
    }
    if (status == 201) continue;
    std::lock_guard lock(mu_);
    for (const auto& [tenant, share] : request->shares) report_.tenants[tenant].in_doubt_tokens += share.tokens;
  }
}

LoadReport LoadDriver::Report() const {
  std::lock_guard lock(mu_);
  return report_;
}

Result<std::map<std::string, std::int64_t>> WaitForDrain(const DrainProbe& probe,
                                                         const std::vector<std::string>& tenants,
                                                         std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last = "not probed";
  while (std::chrono::steady_clock::now() < deadline) {
    last = Undrained(probe);
    if (!last.empty()) {
      std::this_thread::sleep_for(kDrainPollPause);
      continue;
    }
    auto before = ReadTotals(probe.ports.front(), tenants);
    std::this_thread::sleep_for(kStableFor);
    auto after = ReadTotals(probe.ports.front(), tenants);
    last = Undrained(probe);
    if (!before.ok() || !after.ok()) {
      last += (before.ok() ? after : before).status().ToString();
      continue;
    }
    if (last.empty() && *before == *after) return after;
    if (last.empty()) last = "usage still changing after the queue drained";
  }
  return Status::Unavailable("queue not drained within " + std::to_string(timeout.count()) + " ms: " + last);
}

namespace {

// The table, and whether every row is exact.
std::pair<std::string, bool> Account(const LoadReport& report, const std::map<std::string, std::int64_t>& counted) {
  std::ostringstream table;
  bool exact = true;
  table << "tenant: acknowledged tokens (events) / in doubt / counted\n";
  for (const auto& [tenant, tally] : report.tenants) {
    auto found = counted.find(tenant);
    const std::int64_t total = found == counted.end() ? -1 : found->second;
    const bool ok = total >= tally.acknowledged_tokens &&
                    total <= tally.acknowledged_tokens + tally.in_doubt_tokens &&
                    (!tally.with_ids || tally.in_doubt_tokens == 0);
    exact = exact && ok;
    table << "  " << tenant << ": " << tally.acknowledged_tokens << " (" << tally.acknowledged_events << ") / "
          << tally.in_doubt_tokens << " / " << total << (ok ? "" : "   <-- WRONG") << "\n";
  }
  return {table.str(), exact};
}

}  // namespace

std::string CheckAccounting(const LoadReport& report, const std::map<std::string, std::int64_t>& counted) {
  auto [table, exact] = Account(report, counted);
  return exact ? "" : table;
}

std::string AccountingTable(const LoadReport& report, const std::map<std::string, std::int64_t>& counted) {
  return Account(report, counted).first;
}

}  // namespace flagmeter::test
