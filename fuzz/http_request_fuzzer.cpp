// Feeds arbitrary bytes to the HTTP request parser with the server's limits,
// then to routing, percent-decoding and validation, as a session would.
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "flagmeter/http/router.hpp"
#include "flagmeter/ingest/event_parser.hpp"
#include "flagmeter/ingest/name_rules.hpp"

namespace http = boost::beast::http;

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
  if (match.route == flagmeter::Route::kUsage) {
    std::string tenant;
    if (flagmeter::PercentDecode(match.tenant, tenant)) (void)flagmeter::NameProblem(tenant);
  }
  if (match.route == flagmeter::Route::kEvents) {
    (void)flagmeter::ParseEvents(request.body(), flagmeter::ParseOptions{.now_ms = 1'796'000'000'000});
  }
  return 0;
}
