#include "http/response_writer.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/write.hpp>

namespace flagmeter {
namespace {
namespace http = boost::beast::http;

// What Beast's own serializer puts on the wire for the same message.
std::string BeastBytes(HttpResponse response) {
  std::ostringstream out;
  out << response;
  return out.str();
}

HttpResponse Prepared(HttpResponse response, bool keep_alive) {
  response.keep_alive(keep_alive);
  response.prepare_payload();
  return response;
}

TEST(ResponseWriter, MatchesBeastForAJsonAnswer) {
  const HttpResponse response = Prepared(JsonResponse(201, R"({"success":true,"eventId":"e1"})"), true);
  EXPECT_EQ(SerializeResponse(response, false), BeastBytes(response));
  EXPECT_EQ(SerializeResponse(response, false).substr(0, 22), "HTTP/1.1 201 Created\r\n");
}

TEST(ResponseWriter, MatchesBeastWhenClosingAndWithExtraFields) {
  HttpResponse response = ErrorResponse(503, "The event queue is unavailable; retry shortly");
  response.set(http::field::retry_after, "1");
  response = Prepared(std::move(response), false);
  const std::string bytes = SerializeResponse(response, false);
  EXPECT_EQ(bytes, BeastBytes(response));
  EXPECT_NE(bytes.find("\r\nRetry-After: 1\r\n"), std::string::npos);
  EXPECT_NE(bytes.find("\r\nConnection: close\r\n"), std::string::npos);
}

TEST(ResponseWriter, MatchesBeastForHttp10) {
  HttpResponse response = JsonResponse(200, "{}");
  response.version(10);
  response = Prepared(std::move(response), false);
  EXPECT_EQ(SerializeResponse(response, false), BeastBytes(response));
  EXPECT_EQ(SerializeResponse(response, false).substr(0, 17), "HTTP/1.0 200 OK\r\n");
}

TEST(ResponseWriter, HeadKeepsTheLengthAndDropsTheBody) {
  const HttpResponse response = Prepared(JsonResponse(200, R"({"status":"healthy"})"), true);
  const std::string bytes = SerializeResponse(response, true);
  EXPECT_NE(bytes.find("\r\nContent-Length: 20\r\n"), std::string::npos);
  EXPECT_EQ(bytes.substr(bytes.size() - 4), "\r\n\r\n");
  EXPECT_EQ(bytes + response.body(), SerializeResponse(response, false));
}

TEST(ResponseWriter, WritesTheContentLengthOfAnUnpreparedResponse) {
  HttpResponse response = JsonResponse(201, R"({"success":true,"eventId":"e1"})");
  response.keep_alive(false);
  EXPECT_EQ(SerializeResponse(response, false), BeastBytes(Prepared(response, false)));
  EXPECT_EQ(SerializeResponse(response, true) + response.body(), BeastBytes(Prepared(response, false)));
}

TEST(ResponseWriter, MatchesBeastForANotModifiedAnswer) {
  HttpResponse response(http::status::not_modified, 11);
  response.set(http::field::etag, "\"abc\"");
  EXPECT_EQ(SerializeResponse(response, false), BeastBytes(Prepared(response, true)));
}

TEST(ResponseWriter, WritesOneContentLengthWhenTheResponseHasAStaleOne) {
  HttpResponse response = JsonResponse(200, "{}");
  response.content_length(99);
  EXPECT_EQ(SerializeResponse(response, false), BeastBytes(Prepared(response, true)));
}

TEST(ResponseWriter, AppendsToAReusedBuffer) {
  std::string out = "left over from the previous answer";
  out.clear();
  const HttpResponse response = JsonResponse(200, "{}");
  AppendResponse(response, false, out);
  EXPECT_EQ(out, BeastBytes(Prepared(response, true)));
}

}  // namespace
}  // namespace flagmeter
