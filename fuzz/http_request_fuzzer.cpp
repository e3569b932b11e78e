// Feeds arbitrary bytes to the HTTP request parser with the server's limits,
// then to routing, percent-decoding and validation, as a session would, and
// checks that every error body built from what the client sent is valid JSON.
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <nlohmann/json.hpp>

#include "flagmeter/http/api_json.hpp"
#include "flagmeter/http/router.hpp"
#include "flagmeter/ingest/event_parser.hpp"
#include "flagmeter/ingest/name_rules.hpp"

namespace http = boost::beast::http;

namespace {

// nlohmann's parser checks UTF-8 strictly: an error body a client could turn
// into invalid JSON stops the run.
void RequireValidJson(const std::string& body) {
  if (!nlohmann::json::accept(body)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  http::request_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(64 * 1024);
  parser.eager(true);
  boost::beast::error_code ec;
  std::size_t offset = 0;
  std::size_t piece = size > 0 ? 1 + data[0] % 64 : 0;
  // Feed in uneven pieces, as a slow client would; a piece the parser
  // cannot use yet is offered again, longer.
  while (offset < size && !parser.is_done()) {
    const std::size_t length = std::min(size - offset, piece);
    const std::size_t used = parser.put(boost::asio::buffer(data + offset, length), ec);
    offset += used;
    if (ec == http::error::need_more) {
      if (offset + (length - used) >= size) break;  // everything offered: the request is incomplete
      piece = length * 2;
      ec = {};
      continue;
    }
    if (ec) return 0;
    piece = 1 + data[offset % size] % 64;
  }
  if (!parser.is_done()) return 0;
  const auto& request = parser.get();
  const flagmeter::RouteMatch match = flagmeter::MatchRoute(request.method_string(), request.target());
  if (match.route == flagmeter::Route::kNone) {
    RequireValidJson(flagmeter::ErrorJson(flagmeter::NoRouteMessage(request.method_string(), request.target())));
    return 0;
  }
  if (!match.method_allowed) {
    RequireValidJson(flagmeter::ErrorJson(flagmeter::MethodNotAllowedMessage(request.method_string(), match.allow)));
    return 0;
  }
  if (!match.tenant.empty()) {
    std::string tenant;
    if (flagmeter::PercentDecode(match.tenant, tenant)) {
      if (const auto problem = flagmeter::NameProblem(tenant)) {
        RequireValidJson(flagmeter::ValidationErrorJson({{"tenant", "tenant " + *problem}}));
      } else {
        RequireValidJson(flagmeter::ErrorJson("Tenant '" + tenant + "' not found"));
      }
    }
  }
  if (!match.key_id.empty()) RequireValidJson(flagmeter::ErrorJson("Tenant has no key '" + std::string(match.key_id) + "'"));
  if (!match.path.empty()) RequireValidJson(flagmeter::ErrorJson("No file " + std::string(match.path.substr(0, 200))));
  if (match.route == flagmeter::Route::kEvents) {
    auto parsed = flagmeter::ParseEvents(request.body(), flagmeter::ParseOptions{.now_ms = 1'796'000'000'000});
    if (const auto* errors = std::get_if<std::vector<flagmeter::FieldError>>(&parsed)) {
      RequireValidJson(flagmeter::ValidationErrorJson(*errors));
    }
  }
  return 0;
}
