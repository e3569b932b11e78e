#include "http/dead_letter_handler.hpp"

#include <memory>
#include <utility>

#include <boost/beast/http/field.hpp>
#include <spdlog/spdlog.h>

#include "flagmeter/http/api_json.hpp"
#include "flagmeter/queue/dead_letter_mover.hpp"
#include "flagmeter/core/work_pool.hpp"
#include "flagmeter/http/server.hpp"
#include "flagmeter/queue/dead_letter_store.hpp"
#include "http/admin_auth.hpp"
#include "http/await_callback.hpp"
#include "http/dead_letter_json.hpp"

namespace flagmeter {
namespace http = boost::beast::http;
namespace {

// The answers to a dead-letter call that failed.
constexpr FailureWording kDeadLetterFailure{
    .operation = "dead-letter call",
    .unavailable = "The dead-letter list cannot be reached right now; retry shortly"};

boost::asio::awaitable<HttpResponse> List(const RouteMatch& match, DeadLetterPool& service) {
  auto parsed = ParseDeadLetterListQuery(match.query);
  if (auto* errors = std::get_if<std::vector<FieldError>>(&parsed)) {
    co_return JsonResponse(400, ValidationErrorJson(*errors));
  }
  const auto work = [query = std::get<DeadLetterListQuery>(parsed)](DeadLetterStore& store) {
    // Numbers records of an earlier version first, so that every record has
    // an id to page by (one cheap read otherwise).
    if (auto counted = store.Count(); !counted.ok()) return Result<DeadLetterPage>(counted.status());
    return store.List(query.after_id, query.limit);
  };
  const auto page = co_await RunOnPool<DeadLetterPage>(service, work);
  if (!page->ok()) co_return FailureResponse(page->status(), kDeadLetterFailure);
  co_return JsonResponse(200, DeadLetterPageJson(page->value()));
}

boost::asio::awaitable<HttpResponse> Move(const HttpRequest& request, DeadLetterAction action,
                                          DeadLetterPool& service) {
  if (!IsJsonContentType(request[http::field::content_type])) {
    co_return ErrorResponse(415, "Content-Type must be application/json");
  }
  auto parsed = ParseDeadLetterSelection(request.body());
  if (auto* errors = std::get_if<std::vector<FieldError>>(&parsed)) {
    co_return JsonResponse(400, ValidationErrorJson(*errors));
  }
  const auto work = [action, selection = std::get<DeadLetterSelection>(std::move(parsed))](DeadLetterStore& store) {
    return MoveDeadLetters(store, action, selection);
  };
  const auto report = co_await RunOnPool<DeadLetterMoveReport>(service, work);
  if (!report->ok()) co_return FailureResponse(report->status(), kDeadLetterFailure);
  const DeadLetterMoveReport& done = report->value();
  spdlog::info("http: dead letters {} through the admin API: {} (not found: {}, queue full: {}); {} remain",
               action == DeadLetterAction::kRedrive ? "redriven" : "discarded", done.moved, done.not_found.size(),
               done.queue_full, done.remaining);
  co_return JsonResponse(200, DeadLetterMoveJson(action, done));
}

}  // namespace

boost::asio::awaitable<HttpResponse> HandleDeadLetters(const HttpRequest& request, const RouteMatch& match,
                                                       const ApiServices& services) {
  if (std::optional<HttpResponse> denied = CheckAdmin(request, services)) co_return std::move(*denied);
  if (services.dead_letters == nullptr) {
    co_return FailureResponse(Status::Unavailable("dead letters: no dead-letter service"), kDeadLetterFailure);
  }
  switch (match.route) {
    case Route::kDeadLetters: co_return co_await List(match, *services.dead_letters);
    case Route::kDeadLettersRedrive:
      co_return co_await Move(request, DeadLetterAction::kRedrive, *services.dead_letters);
    case Route::kDeadLettersDiscard:
      co_return co_await Move(request, DeadLetterAction::kDiscard, *services.dead_letters);
    default: break;
  }
  co_return ErrorResponse(404, "No route");
}

}  // namespace flagmeter
