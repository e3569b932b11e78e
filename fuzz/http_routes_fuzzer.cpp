// Whole requests through the router and every handler, with the services
// behind them faked (tests/fakes): arbitrary bytes are parsed as an HTTP
// request with the server's limits, answered by HandleRequest as a session
// would, and the answer is checked. Nothing may end in a 500 (the fakes never
// fail, so a 500 is an exception a client could provoke), every JSON answer
// must parse (strict UTF-8), every 405 must say what is allowed.
//
// The seed corpus (fuzz/corpus/http_routes) has a request for each route,
// with the admin token the harness uses, so the admin routes are reached.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "fakes/fake_dead_letter_store.hpp"
#include "fakes/fake_event_sink.hpp"
#include "fakes/fake_tenant_store.hpp"
#include "fakes/fake_usage_history.hpp"
#include "fakes/fake_usage_reader.hpp"
#include "flagmeter/http/server.hpp"
#include "flagmeter/metrics/metrics.hpp"
#include "flagmeter/monitor/health_snapshot.hpp"
#include "flagmeter/query/history_service.hpp"
#include "flagmeter/query/usage_service.hpp"
#include "flagmeter/queue/dead_letter_store.hpp"
#include "flagmeter/services/pooled_dead_letter_service.hpp"
#include "flagmeter/services/pooled_query_service.hpp"
#include "flagmeter/services/pooled_tenant_admin.hpp"
#include "flagmeter/services/queueing_ingest_service.hpp"
#include "flagmeter/tenants/key_registry.hpp"
#include "flagmeter/tenants/tenant_creator.hpp"
#include "flagmeter/tenants/tenant_directory.hpp"
#include "http/api_handler.hpp"

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using namespace flagmeter;

// The admin token of the seed corpus' admin requests.
constexpr char kAdminToken[] = "fuzz-admin-token-0123456789";

void SeedDeadLetters(fakes::FakeDeadLetterStore& store) {
  store.Add(DeadLetterReason::kRefused, R"({"tenant":"acme","feature":"chat","tokens":1,"id":"e1"})");
  store.Add(DeadLetterReason::kUndecodable, "not an event");
  store.Add(DeadLetterReason::kRefused, R"({"tenant":"zeta","feature":"x","tokens":2})");
  store.queue.clear();  // redriven entries go nowhere: the fake's queue stays small
}

// The services, built once for the whole run over the stores' fakes: their
// threads stay up.
struct Harness {
  Harness() {
    usage.Start();
    history.Start();
    admin.Start();
    dead_letters.Start();
    keys.Start();
    creator.Start();
  }

  Metrics metrics;
  fakes::FakeEventSink sink;
  fakes::FakeTenantStore tenant_store{1000};
  UsageService usage{1, 0, [] { return std::make_unique<fakes::FakeUsageReader>(); }};
  HistoryService history{1, std::chrono::milliseconds(0), [] { return std::make_unique<fakes::FakeUsageHistory>(); }};
  AdminPool admin{WorkPoolOptions{.group = ThreadGroup::kAdmin, .name = "admin"},
                  [this] { return tenant_store.NewStore(); }};
  // A few dead letters to list, redrive and discard, refilled when the list is empty.
  DeadLetterPool dead_letters{WorkPoolOptions{.group = ThreadGroup::kDeadLetters, .name = "deadletters"}, [] {
                                auto store = std::make_unique<fakes::FakeDeadLetterStore>();
                                store->on_move = [](fakes::FakeDeadLetterStore& moved) {
                                  if (moved.size() == 0) SeedDeadLetters(moved);
                                };
                                SeedDeadLetters(*store);
                                return store;
                              }};
  KeyRegistry keys{std::chrono::milliseconds(1000), [this] { return tenant_store.NewStore(); }};
  TenantCreator creator{{.max_tenants = 1000}, [this] { return tenant_store.NewStore(); }};
  TenantDirectory directory{1000, &creator};
  QueueingIngestService ingest{directory, sink, metrics};
  PooledQueryService queries{usage, history};
  PooledTenantAdmin tenant_admin{admin, keys, {}, {}};
  PooledDeadLetterService dead_letter_service{dead_letters};
  ApiServices services{.ingest = ingest,
                       .queries = queries,
                       .tenants = tenant_admin,
                       .dead_letters = dead_letter_service,
                       .keys = keys,
                       .health = [] { return HealthSnapshot{.database_up = true, .valkey_up = true}; },
                       .metrics = metrics,
                       .access = {.admin_token = kAdminToken}};
  asio::io_context io;
};

Harness& TheHarness() {
  static Harness* harness = [] {
    spdlog::set_level(spdlog::level::off);  // handlers log refusals; the fuzzer checks answers
    return new Harness();                    // never destroyed: libFuzzer exits without unwinding
  }();
  return *harness;
}

// Parses `data` as one request, fed in uneven pieces as a slow client would.
bool ParseRequest(const std::uint8_t* data, std::size_t size, http::request_parser<http::string_body>& parser) {
  parser.header_limit(16 * 1024);
  parser.body_limit(64 * 1024);
  parser.eager(true);
  boost::beast::error_code ec;
  std::size_t offset = 0;
  while (offset < size && !parser.is_done()) {
    offset += parser.put(asio::buffer(data + offset, size - offset), ec);
    if (ec) return false;
  }
  return parser.is_done();
}

HandledRequest Answer(Harness& harness, const HttpRequest& request) {
  HandledRequest handled;
  bool done = false;
  asio::co_spawn(
      harness.io,
      [&]() -> asio::awaitable<void> {
        handled = co_await HandleRequest(request, harness.services);
        done = true;
      },
      asio::detached);
  // Answers from the service threads arrive as posts: run until the request is answered.
  auto guard = asio::make_work_guard(harness.io);
  harness.io.restart();
  while (!done) harness.io.run_one_for(std::chrono::seconds(10));
  return handled;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  http::request_parser<http::string_body> parser;
  if (!ParseRequest(data, size, parser)) return 0;
  Harness& harness = TheHarness();
  const HttpRequest request = parser.release();
  const HandledRequest handled = Answer(harness, request);
  const HttpResponse& response = handled.response;
  const unsigned status = response.result_int();
  if (status < 200 || status > 599 || status == 500) __builtin_trap();
  if (status == 405 && response[http::field::allow].empty()) __builtin_trap();
  if (response[http::field::content_type].starts_with("application/json") &&
      !nlohmann::json::accept(response.body())) {
    __builtin_trap();
  }
  return 0;
}
