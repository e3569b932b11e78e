#include "load/http_wire.hpp"

#include <string>

#include <gtest/gtest.h>

namespace flagmeter::load {
namespace {

AnswerHead Head(std::string_view bytes) {
  const AnswerHeadParse parsed = ParseAnswerHead(bytes);
  if (const auto* bad = std::get_if<BadAnswer>(&parsed)) ADD_FAILURE() << "refused: " << bad->what;
  EXPECT_TRUE(std::holds_alternative<AnswerHead>(parsed));
  return std::holds_alternative<AnswerHead>(parsed) ? std::get<AnswerHead>(parsed) : AnswerHead{};
}

std::string Refusal(std::string_view bytes) {
  const AnswerHeadParse parsed = ParseAnswerHead(bytes);
  const auto* bad = std::get_if<BadAnswer>(&parsed);
  return bad ? bad->what : "accepted";
}

TEST(HttpWire, RequestsAreKeepAliveHttp11WithHostAndLength) {
  std::string out;
  AppendPostJson(out, "/api/events", "127.0.0.1:3000", R"({"tokens":1})");
  EXPECT_EQ(out,
            "POST /api/events HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nUser-Agent: flagmeter-load\r\n"
            "Content-Type: application/json\r\nContent-Length: 12\r\n\r\n{\"tokens\":1}");
  out.clear();
  AppendGet(out, "/api/usage/acme", "h");
  EXPECT_EQ(out, "GET /api/usage/acme HTTP/1.1\r\nHost: h\r\nUser-Agent: flagmeter-load\r\n\r\n");
}

TEST(HttpWire, ReadsStatusLengthAndKeepAlive) {
  const std::string answer =
      "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\ncontent-length: 5\r\n\r\nhello";
  const AnswerHead head = Head(answer);
  EXPECT_EQ(head.status, 201);
  EXPECT_EQ(head.head_bytes, answer.size() - 5);
  EXPECT_EQ(head.body_bytes, 5u);
  EXPECT_TRUE(head.keep_alive);

  EXPECT_FALSE(Head("HTTP/1.1 503 Service Unavailable\r\nConnection: foo, Close\r\nContent-Length: 0\r\n\r\n").keep_alive);
  EXPECT_FALSE(Head("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").keep_alive);
  EXPECT_TRUE(Head("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n").keep_alive);
  EXPECT_EQ(Head("HTTP/1.1 204 No Content\r\n\r\n").body_bytes, 0u);
  EXPECT_EQ(Head("HTTP/1.1 200\r\nContent-Length:  7 \r\n\r\n").body_bytes, 7u);
}

TEST(HttpWire, AnIncompleteHeadAsksForMore) {
  EXPECT_TRUE(std::holds_alternative<NeedMore>(ParseAnswerHead("")));
  EXPECT_TRUE(std::holds_alternative<NeedMore>(ParseAnswerHead("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n")));
}

TEST(HttpWire, RefusesWhatItCannotRead) {
  EXPECT_EQ(Refusal("HTTP/2 200 OK\r\n\r\n"), "malformed status line");
  EXPECT_EQ(Refusal("HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n"), "malformed status code");
  EXPECT_EQ(Refusal("HTTP/1.1 200 OK\r\n\r\n"), "answer without Content-Length");
  EXPECT_EQ(Refusal("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"), "malformed Content-Length");
  EXPECT_EQ(Refusal("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
            "conflicting Content-Length fields");
  EXPECT_EQ(Refusal("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), "chunked answers are not supported");
  EXPECT_EQ(Refusal("HTTP/1.1 100 Continue\r\n\r\n"), "unexpected interim (1xx) answer");
  EXPECT_EQ(Refusal("HTTP/1.1 200 OK\r\nno colon\r\n\r\n"), "malformed header field");
}

TEST(HttpWire, BoundsTheHeadAndTheBody) {
  const std::string endless_head = "HTTP/1.1 200 OK\r\nX: " + std::string(kAnswerHeadLimit, 'a');
  EXPECT_EQ(Refusal(endless_head), "answer head longer than 16 KiB");
  EXPECT_EQ(Refusal(endless_head + "\r\n\r\n"), "answer head longer than 16 KiB");
  const std::string too_long = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(kAnswerBodyLimit + 1) + "\r\n\r\n";
  EXPECT_EQ(Refusal(too_long), "answer body longer than 1 MiB");
  const std::string at_limit = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(kAnswerBodyLimit) + "\r\n\r\n";
  EXPECT_EQ(Head(at_limit).body_bytes, kAnswerBodyLimit);
}

}  // namespace
}  // namespace flagmeter::load
