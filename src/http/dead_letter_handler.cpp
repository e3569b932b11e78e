#include "http/dead_letter_handler.hpp"

#include <utility>

#include <boost/beast/http/field.hpp>

#include "flagmeter/http/api_json.hpp"
#include "flagmeter/services/dead_letter_service.hpp"
#include "http/admin_auth.hpp"
#include "http/await_callback.hpp"
#include "http/dead_letter_json.hpp"
#include "http/request_parts.hpp"

namespace flagmeter {
namespace http = boost::beast::http;
namespace {

// The answers to a dead-letter call that failed.
constexpr FailureWording kDeadLetterFailure{
    .operation = "dead-letter call",
    .unavailable = "The dead-letter list cannot be reached right now; retry shortly"};

boost::asio::awaitable<HttpResponse> List(const RouteMatch& match, DeadLetterService& service) {
  auto parsed = ParseDeadLetterListQuery(match.query);
  if (auto* errors = std::get_if<std::vector<FieldError>>(&parsed)) {
    co_return JsonResponse(400, ValidationErrorJson(*errors));
  }
  const DeadLetterListQuery& query = std::get<DeadLetterListQuery>(parsed);
  const Reply<DeadLetterPage> page = co_await AwaitCallback<Reply<DeadLetterPage>>(
      [&service, &query](ReplyCallback<DeadLetterPage> done) {
        service.List(query.after_id, query.limit, std::move(done));
      });
  if (!page->ok()) co_return FailureResponse(page->status(), kDeadLetterFailure);
  co_return JsonResponse(200, DeadLetterPageJson(page->value()));
}

boost::asio::awaitable<HttpResponse> Move(const HttpRequest& request, DeadLetterAction action,
                                          DeadLetterService& service) {
  if (!IsJsonContentType(HeaderValue(request, http::field::content_type))) {
    co_return ErrorResponse(415, "Content-Type must be application/json");
  }
  auto parsed = ParseDeadLetterSelection(request.body());
  if (auto* errors = std::get_if<std::vector<FieldError>>(&parsed)) {
    co_return JsonResponse(400, ValidationErrorJson(*errors));
  }
  const Reply<DeadLetterMoveReport> report = co_await AwaitCallback<Reply<DeadLetterMoveReport>>(
      [&service, action, &parsed](ReplyCallback<DeadLetterMoveReport> done) {
        service.Move(action, std::get<DeadLetterSelection>(std::move(parsed)), std::move(done));
      });
  if (!report->ok()) co_return FailureResponse(report->status(), kDeadLetterFailure);
  co_return JsonResponse(200, DeadLetterMoveJson(action, report->value()));
}

}  // namespace

boost::asio::awaitable<HttpResponse> HandleDeadLetters(const HttpRequest& request, const RouteMatch& match,
                                                       const ApiServices& services) {
  if (std::optional<HttpResponse> denied = CheckAdmin(request, services)) co_return std::move(*denied);
  switch (match.route) {
    case Route::kDeadLetters: co_return co_await List(match, services.dead_letters);
    case Route::kDeadLettersRedrive:
      co_return co_await Move(request, DeadLetterAction::kRedrive, services.dead_letters);
    case Route::kDeadLettersDiscard:
      co_return co_await Move(request, DeadLetterAction::kDiscard, services.dead_letters);
    default: break;
  }
  co_return ErrorResponse(404, "No route");
}

}  // namespace flagmeter
