#include "http/request_parts.hpp"

#include <gtest/gtest.h>

#include <string_view>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>

namespace flagmeter {
namespace {
namespace http = boost::beast::http;

// A request without a body as the session gets it: parsed from its bytes by Beast.
HttpRequest Parse(std::string_view bytes) {
  http::request_parser<http::string_body> parser;
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_TRUE(parser.is_done());
  return parser.release();
}

TEST(HeaderValue, FindsAFieldWhateverTheCaseOfItsName) {
  const HttpRequest request = Parse(
      "POST /api/events HTTP/1.1\r\nHost: x\r\ncontent-TYPE: application/json\r\nX-Other: 1\r\n"
      "Content-Length: 0\r\n\r\n");
  EXPECT_EQ(HeaderValue(request, http::field::content_type), "application/json");
  EXPECT_EQ(HeaderValue(request, http::field::host), "x");
  EXPECT_EQ(HeaderValue(request, http::field::content_type), request[http::field::content_type]);
}

TEST(HeaderValue, AMissingFieldIsEmpty) {
  const HttpRequest request = Parse("GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(HeaderValue(request, http::field::authorization), "");
  EXPECT_EQ(HeaderValue(request, http::field::expect), "");
}

TEST(HeaderValue, ARepeatedFieldGivesItsFirstValueAsBeastDoes) {
  const HttpRequest request = Parse(
      "GET / HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"a\"\r\nAccept: */*\r\nif-none-match: \"b\"\r\n\r\n");
  EXPECT_EQ(HeaderValue(request, http::field::if_none_match), "\"a\"");
  EXPECT_EQ(HeaderValue(request, http::field::if_none_match), request[http::field::if_none_match]);
}

}  // namespace
}  // namespace flagmeter
