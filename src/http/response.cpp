#include "http/response.hpp"

#include <utility>

#include <boost/beast/http/field.hpp>
#include <spdlog/spdlog.h>

#include "flagmeter/http/api_json.hpp"

namespace flagmeter {
namespace http = boost::beast::http;

HttpResponse JsonResponse(unsigned status, std::string body) {
  HttpResponse response(static_cast<http::status>(status), 11);
  response.set(http::field::content_type, "application/json");
  response.body() = std::move(body);
  return response;
}

HttpResponse ErrorResponse(unsigned status, std::string_view message) { return JsonResponse(status, ErrorJson(message)); }

HttpResponse FailureResponse(const Status& status, const FailureWording& wording) {
  switch (status.code()) {
    case Status::Code::kNotFound:
      return ErrorResponse(404, status.message());
    case Status::Code::kInvalidArgument:
      return ErrorResponse(400, status.message());
    case Status::Code::kFailedPrecondition:
      return ErrorResponse(422, status.message());
    case Status::Code::kUnavailable:
    case Status::Code::kOverloaded: {
      spdlog::debug("http: {} answered 503: {}", wording.operation, status.ToString());
      const bool bound = status.code() == Status::Code::kOverloaded && !wording.overloaded.empty();
      HttpResponse response = ErrorResponse(503, bound ? wording.overloaded : wording.unavailable);
      // A refusal for load or an outage passes in about a second; clients retry then.
      response.set(http::field::retry_after, "1");
      return response;
    }
    default:
      spdlog::error("http: {} failed: {}", wording.operation, status.ToString());
      return ErrorResponse(500, "Internal server error");
  }
}

}  // namespace flagmeter
