#include "http/event_routes.hpp"

#include <chrono>
#include <optional>
#include <utility>

#include <boost/beast/http/field.hpp>
#include <spdlog/spdlog.h>

#include "flagmeter/core/clock.hpp"
#include "flagmeter/http/api_json.hpp"
#include "flagmeter/ingest/event_parser.hpp"
#include "flagmeter/services/ingest_service.hpp"
#include "http/await_callback.hpp"
#include "http/request_parts.hpp"

namespace flagmeter {
namespace http = boost::beast::http;
namespace {

// How long a request waits for its new tenants: long enough for one
// creation transaction on a healthy database, also behind a queue full of
// other new names; short enough that an outage costs a new tenant's first
// request little (it is answered 503 and retried). Nothing is queued once
// the wait is over.
constexpr auto kWaitForAdmission = std::chrono::milliseconds(2000);

// The answers to a push the queue did not take.
constexpr FailureWording kPushFailure{.operation = "event push",
                                      .unavailable = "The event queue is unavailable; retry shortly",
                                      .overloaded = "Too many events are waiting to be stored; retry shortly"};
// The answers to an admission that failed or took too long.
constexpr FailureWording kAdmissionFailure{.operation = "tenant admission",
                                           .unavailable = "New tenants cannot be created right now; retry shortly"};

// A key reaches only its own tenant: every event of a batch must be of it.
std::optional<HttpResponse> CheckEventTenants(const DataAccess& access, const ParsedEvents& accepted) {
  if (access.all_tenants) return std::nullopt;
  for (const Event& event : accepted.events) {
    if (event.tenant != access.tenant) return OtherTenantResponse(access, event.tenant);
  }
  return std::nullopt;
}

// Ok once every tenant of `events` exists; the refusal otherwise. Called
// only when some tenant is not known yet.
boost::asio::awaitable<Status> AdmitTenants(const std::vector<Event>& events, IngestService& ingest) {
  const auto start = [&ingest, &events](IngestService::Done done) { ingest.AdmitTenants(events, std::move(done)); };
  const std::optional<Status> admitted = co_await AwaitCallbackWithin<Status>(kWaitForAdmission, start);
  if (admitted) co_return *admitted;
  spdlog::warn("http: new tenants not admitted within {} ms", kWaitForAdmission.count());
  co_return Status::Unavailable("tenants: no answer in time");
}

}  // namespace

boost::asio::awaitable<HttpResponse> PostEvents(const HttpRequest& request, const DataAccess& access,
                                                const ApiServices& services) {
  if (!IsJsonContentType(HeaderValue(request, http::field::content_type))) {
    co_return ErrorResponse(415, "Content-Type must be application/json");
  }
  ParseOptions options{.now_ms = NowMs(),
                       .max_batch_events = services.limits.max_batch_events,
                       .max_past_ms = services.limits.idempotency_window_ms};
  auto parsed = ParseEvents(request.body(), options);
  if (auto* errors = std::get_if<std::vector<FieldError>>(&parsed)) {
    co_return JsonResponse(400, ValidationErrorJson(*errors));
  }
  ParsedEvents& accepted = std::get<ParsedEvents>(parsed);
  if (std::optional<HttpResponse> denied = CheckEventTenants(access, accepted)) co_return std::move(*denied);
  // The usual case, every tenant known, waits for nothing and hands nothing off.
  if (!services.ingest.TenantsKnown(accepted.events)) {
    const Status admitted = co_await AdmitTenants(accepted.events, services.ingest);
    if (!admitted.ok()) co_return FailureResponse(admitted, kAdmissionFailure);
  }
  const Status pushed = co_await AwaitCallback<Status>(
      [&services, &accepted](IngestService::Done done) { services.ingest.Enqueue(accepted.events, std::move(done)); });
  if (!pushed.ok()) co_return FailureResponse(pushed, kPushFailure);
  co_return JsonResponse(201, AcceptedJson(accepted));
}

}  // namespace flagmeter
