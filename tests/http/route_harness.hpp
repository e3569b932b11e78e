#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http/field.hpp>
#include <nlohmann/json.hpp>

#include "fakes/fake_services.hpp"
#include "flagmeter/http/server.hpp"
#include "flagmeter/metrics/metrics.hpp"
#include "flagmeter/monitor/health_snapshot.hpp"
#include "http/api_handler.hpp"

namespace flagmeter::testing {

/// The HTTP layer over fake services: requests go through HandleRequest as
/// a session would send them, on an io_context of the test's own thread. No
/// process, no PostgreSQL, no Valkey.
struct RouteHarness {
  static constexpr char kAdminToken[] = "test-admin-token-0123456789";

  // First, so it is destroyed last: a fake may still hold a callback that
  // owns a timer of it.
  boost::asio::io_context io;
  fakes::FakeIngestService ingest;
  fakes::FakeQueryService queries;
  fakes::FakeTenantAdminService tenants;
  fakes::FakeDeadLetterService dead_letters;
  fakes::FakeApiKeyChecker keys;
  HealthSnapshot health{.database_up = true, .valkey_up = true};
  Metrics metrics;
  ApiServices services{.ingest = ingest,
                       .queries = queries,
                       .tenants = tenants,
                       .dead_letters = dead_letters,
                       .keys = keys,
                       .health = [this] { return health; },
                       .metrics = metrics,
                       .access = {.admin_token = kAdminToken},
                       .limits = {.max_batch_events = 3, .max_tenants_per_page = 50}};

  HttpResponse Send(boost::beast::http::verb method, std::string_view target, std::string body = "",
                    std::string_view bearer = "") {
    HttpRequest request(method, target, 11);
    if (!body.empty()) request.set(boost::beast::http::field::content_type, "application/json");
    if (!bearer.empty()) request.set(boost::beast::http::field::authorization, "Bearer " + std::string(bearer));
    request.body() = std::move(body);
    request.prepare_payload();
    return Send(request);
  }

  HttpResponse Send(const HttpRequest& request) {
    HandledRequest handled;
    bool done = false;
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
          handled = co_await HandleRequest(request, services);
          done = true;
        },
        boost::asio::detached);
    io.restart();
    while (!done && io.run_one_for(std::chrono::seconds(10)) > 0) {
    }
    route = handled.route;
    return handled.response;
  }

  HttpResponse Admin(boost::beast::http::verb method, std::string_view target, std::string body = "") {
    return Send(method, target, std::move(body), kAdminToken);
  }

  std::string_view route;  // the metrics label of the last request
};

inline nlohmann::json BodyOf(const HttpResponse& response) { return nlohmann::json::parse(response.body()); }

}  // namespace flagmeter::testing
