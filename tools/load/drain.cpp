#include "load/drain.hpp"

#include <cstdio>
#include <exception>
#include <algorithm>
#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "load/http_connection.hpp"

namespace flagmeter::load {
namespace asio = boost::asio;
namespace {

using Clock = std::chrono::steady_clock;

// Usage answers may be cached by the service (USAGE_CACHE_MS, 250 ms by
// default): a value is "settled" only after staying put well beyond that.
constexpr auto kSettleTime = std::chrono::seconds(2);
constexpr auto kPollInterval = std::chrono::milliseconds(200);
constexpr auto kGaugeGrace = std::chrono::seconds(5);

asio::awaitable<Result<std::int64_t>> FetchTotal(HttpConnection& connection, const std::string& path,
                                                 const std::string& tenant) {
  const HttpAnswer answer = co_await connection.Get(path);
  if (answer.status == 404) co_return std::int64_t{0};
  const std::string what = "GET " + path + " (tenant '" + tenant + "')";
  if (answer.status == 0) co_return Status::Unavailable(what + ": " + answer.error);
  const nlohmann::json json = nlohmann::json::parse(answer.body, nullptr, false);
  if (answer.status != 200 || !json.is_object() || !json.contains("totalTokens") ||
      !json["totalTokens"].is_number_integer()) {
    co_return Status::Internal(what + ": status " + std::to_string(answer.status) + ", body " + answer.body.substr(0, 200));
  }
  co_return json["totalTokens"].get<std::int64_t>();
}

asio::awaitable<Result<TokenTotals>> FetchTotals(HttpConnection& connection, const Workload& workload) {
  TokenTotals totals;
  for (std::size_t i = 0; i < workload.tenant_count(); ++i) {
    Result<std::int64_t> total = co_await FetchTotal(connection, workload.usage_path(i), workload.tenant(i));
    if (!total.ok()) co_return total.status();
    totals[workload.tenant(i)] = *total;
  }
  co_return totals;
}

// True when both queue gauges are 0; nullopt when /metrics cannot tell.
asio::awaitable<std::optional<bool>> FetchDrained(HttpConnection& connection, const Workload& workload) {
  const HttpAnswer answer = co_await connection.Get(workload.metrics_path());
  if (answer.status != 200) co_return std::nullopt;
  const auto depth = ParseGauge(answer.body, "flagmeter_queue_depth");
  const auto inflight = ParseGauge(answer.body, "flagmeter_queue_inflight");
  if (!depth || !inflight) co_return std::nullopt;
  co_return *depth == 0 && *inflight == 0;
}

struct Watch {
  const ServiceProbe& probe;
  TokenTotals expected;  // before + acknowledged, per tenant
  Clock::time_point deadline;
  const std::atomic<bool>& give_up;
};

// Usage matched: the queue gauges (updated by the service's monitor every
// so often) should follow soon; report whether they did, within a few
// seconds, so that "drained" in the results means what it says.
asio::awaitable<bool> AwaitGauges(HttpConnection& connection, const Watch& watch, bool drained) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto until = std::min(watch.deadline, Clock::now() + kGaugeGrace);
  while (!drained && Clock::now() < until && !watch.give_up.load()) {
    timer.expires_after(kPollInterval);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    drained = (co_await FetchDrained(connection, watch.probe.workload)).value_or(true);
  }
  co_return drained;
}

asio::awaitable<ConservationResult> Poll(Watch watch, ConservationResult result, TokenTotals before,
                                         TokenTotals acknowledged) {
  auto executor = co_await asio::this_coro::executor;
  HttpConnection connection(executor, watch.probe.endpoint, watch.probe.host_header, watch.probe.request_timeout);
  asio::steady_timer timer(executor);
  std::optional<TokenTotals> previous;
  auto unchanged_since = Clock::now();
  const std::vector<std::string>& tenants = watch.probe.workload.tenants();
  for (;;) {
    const std::optional<bool> drained = co_await FetchDrained(connection, watch.probe.workload);
    result.queue_drained = drained.value_or(false);
    Result<TokenTotals> totals = co_await FetchTotals(connection, watch.probe.workload);
    result.error = totals.ok() ? "" : totals.status().ToString();
    if (totals.ok()) {
      result.tenants = Balance(tenants, before, *totals, acknowledged);
      if (*totals == watch.expected) {
        result.queue_drained = co_await AwaitGauges(connection, watch, drained.value_or(true));
        co_return result;
      }
      if (previous != *totals) unchanged_since = Clock::now();
      previous = *totals;
      const bool settled = Clock::now() - unchanged_since >= kSettleTime;
      if (settled && drained.value_or(true)) co_return result;
    }
    if (Clock::now() >= watch.deadline || watch.give_up.load()) {
      result.timed_out = true;
      co_return result;
    }
    timer.expires_after(kPollInterval);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

template <typename T>
asio::awaitable<void> StoreInto(asio::awaitable<T> task, std::optional<T>* out) {
  out->emplace(co_await std::move(task));
}

// Runs `task` to completion on a private io_context on this thread; returns
// `fallback` if it ended with an exception (logged).
template <typename T>
T RunBlocking(asio::awaitable<T> task, T fallback) {
  asio::io_context io(1);
  std::optional<T> value;
  asio::co_spawn(io, StoreInto(std::move(task), &value), [](std::exception_ptr error) {
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "flagmeter-load: usage check failed: %s\n", e.what());
    }
  });
  io.run();
  return value ? std::move(*value) : std::move(fallback);
}

}  // namespace

Result<TokenTotals> ReadUsageTotals(const ServiceProbe& probe) {
  auto task = [](const ServiceProbe& p) -> asio::awaitable<Result<TokenTotals>> {
    HttpConnection connection(co_await asio::this_coro::executor, p.endpoint, p.host_header, p.request_timeout);
    co_return co_await FetchTotals(connection, p.workload);
  };
  return RunBlocking<Result<TokenTotals>>(task(probe), Status::Internal("reading usage totals failed unexpectedly"));
}

ConservationResult AwaitConservation(const ServiceProbe& probe, const TokenTotals& before,
                                     const TokenTotals& acknowledged, Millis timeout,
                                     const std::atomic<bool>& give_up) {
  const auto started = Clock::now();
  TokenTotals expected;
  for (const std::string& tenant : probe.workload.tenants()) {
    const auto b = before.find(tenant);
    const auto a = acknowledged.find(tenant);
    expected[tenant] = (b == before.end() ? 0 : b->second) + (a == acknowledged.end() ? 0 : a->second);
  }
  ConservationResult initial;
  initial.checked = true;
  initial.error = "the check did not complete";
  ConservationResult result = RunBlocking(Poll(Watch{probe, expected, started + timeout, give_up}, initial, before, acknowledged),
                                          initial);
  result.wait_seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return result;
}

}  // namespace flagmeter::load
