#include "load/iteration.hpp"

#include <string>

namespace flagmeter::load {
namespace {

std::uint64_t MicrosSince(Clock::time_point start) {
  const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
  return elapsed > 0 ? static_cast<std::uint64_t>(elapsed) : 0;
}

void CountRequest(IterationContext& ctx, Endpoint endpoint, const HttpAnswer& answer, Clock::time_point start) {
  const int status = answer.status;
  ctx.stats.RecordRequest(endpoint, status, MicrosSince(start));
  if (status == 0) ctx.stats.RecordFailure(answer.error);
  ctx.live.requests.fetch_add(1, std::memory_order_relaxed);
  if (status == 0 || status >= 400) ctx.live.failed.fetch_add(1, std::memory_order_relaxed);
}

void RecordEventChecks(RunStats& stats, const EventChecks& checks) {
  bool all = stats.RecordCheck("event status is 201", checks.status_201);
  all &= stats.RecordCheck("event success is true", checks.success_true);
  all &= stats.RecordCheck("event has eventId", checks.has_event_id);
  stats.RecordCheckGroup(all);
}

void RecordUsageChecks(RunStats& stats, const UsageChecks& checks) {
  bool all = stats.RecordCheck("usage status is 200", checks.status_200);
  all &= stats.RecordCheck("usage has tenantName", checks.has_tenant_name);
  all &= stats.RecordCheck("usage has quotaPercent", checks.has_quota_percent);
  stats.RecordCheckGroup(all);
}

}  // namespace

boost::asio::awaitable<void> RunIteration(IterationContext& ctx, Clock::time_point intended_start) {
  std::uniform_int_distribution<std::size_t> pick_tenant(0, ctx.workload.tenant_count() - 1);
  std::uniform_int_distribution<std::size_t> pick_feature(0, ctx.workload.feature_count() - 1);
  std::uniform_int_distribution<int> pick_tokens(kMinTokens, kMaxTokens);
  const std::size_t tenant = pick_tenant(ctx.rng);
  const int tokens = pick_tokens(ctx.rng);
  std::string body = ctx.workload.EventBody(tenant, pick_feature(ctx.rng), tokens);

  const HttpAnswer posted = co_await ctx.connection.PostJson(ctx.workload.events_path(), std::move(body));
  CountRequest(ctx, Endpoint::kPostEvent, posted, intended_start);
  // Only a 201 means "queued" (API.md), so only a 201 is owed to the ledger.
  if (posted.status == 201) {
    ctx.stats.acknowledged_tokens[ctx.workload.tenant(tenant)] += tokens;
    ++ctx.stats.acknowledged_events;
  }
  RecordEventChecks(ctx.stats, CheckEventAnswer(posted.status, posted.body));

  if (std::bernoulli_distribution(ctx.options.usage_probability)(ctx.rng)) {
    const auto sent = Clock::now();
    const HttpAnswer usage = co_await ctx.connection.Get(ctx.workload.usage_path(tenant));
    CountRequest(ctx, Endpoint::kGetUsage, usage, sent);
    RecordUsageChecks(ctx.stats, CheckUsageAnswer(usage.status, usage.body));
  }
  ++ctx.stats.iterations;
}

}  // namespace flagmeter::load
