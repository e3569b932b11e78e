// HTTP/1.1 behaviour promised by API.md: keep-alive, pipelining, chunked
// bodies, HTTP/1.0; plus health, metrics and the OpenAPI document.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api_fixture.hpp"
#include "http/openapi_document.hpp"

namespace flagmeter::test {
namespace {

TEST_F(ApiTest, PipelinedRequestsAreAnsweredInOrder) {
  const std::string event = R"({"tenant":"p","feature":"f","tokens":2})";
  const std::string post = "POST /api/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                           std::to_string(event.size()) + "\r\n\r\n" + event;
  const std::string raw = post + "GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n" + post +
                          "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const std::string answer = client_->SendRaw(raw);
  const auto first = answer.find("HTTP/1.1 201");
  const auto second = answer.find("HTTP/1.1 200", first);
  const auto third = answer.find("HTTP/1.1 201", second);
  const auto fourth = answer.find("HTTP/1.1 404", third);
  EXPECT_NE(first, std::string::npos) << answer;
  EXPECT_NE(second, std::string::npos) << answer;
  EXPECT_NE(third, std::string::npos) << answer;
  EXPECT_NE(fourth, std::string::npos) << answer;
  EXPECT_EQ(WaitForTotal("p", 4, std::chrono::milliseconds(3000)).Json()["totalTokens"], 4);
}

TEST_F(ApiTest, AChunkedBodyIsRead) {
  const std::string raw =
      "POST /api/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
      "Connection: close\r\n\r\n"
      "10\r\n{\"tenant\":\"c\",\"f\r\n"
      "17\r\neature\":\"f\",\"tokens\":9}\r\n"
      "0\r\n\r\n";
  const std::string answer = client_->SendRaw(raw);
  EXPECT_NE(answer.find("HTTP/1.1 201"), std::string::npos) << answer;
  EXPECT_EQ(WaitForTotal("c", 9, std::chrono::milliseconds(3000)).Json()["totalTokens"], 9);
}

// Most requests arrive whole and are parsed from what one read brought; one
// that arrives in pieces (mid-header, mid-body) is read on until complete.
TEST_F(ApiTest, ARequestArrivingInPiecesIsRead) {
  const std::string event = R"({"tenant":"pieces","feature":"f","tokens":3})";
  const std::vector<std::string> parts = {
      "POST /api/events HTTP/1.1\r\nHo",
      "st: x\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(event.size()) +
          "\r\nConnection: close\r\n\r\n" + event.substr(0, 12),
      event.substr(12)};
  const std::vector<std::string> answers = client_->SendRawInParts(parts, 200);
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_EQ(answers[0], "");
  EXPECT_EQ(answers[1], "");
  EXPECT_EQ(answers[2].rfind("HTTP/1.1 201", 0), 0u) << answers[2];
  EXPECT_EQ(WaitForTotal("pieces", 3, std::chrono::milliseconds(3000)).Json()["totalTokens"], 3);
}

// "Expect: 100-continue" with the body still to come: the interim answer
// goes out first, and the body sent after it is read.
TEST_F(ApiTest, AnExpectedContinueIsAnsweredBeforeTheBody) {
  const std::string event = R"({"tenant":"continued","feature":"f","tokens":4})";
  const std::vector<std::string> answers = client_->SendRawInParts(
      {"POST /api/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n"
       "Content-Length: " + std::to_string(event.size()) + "\r\nConnection: close\r\n\r\n",
       event},
      500);
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0], "HTTP/1.1 100 Continue\r\n\r\n");
  EXPECT_EQ(answers[1].rfind("HTTP/1.1 201", 0), 0u) << answers[1];
  EXPECT_EQ(WaitForTotal("continued", 4, std::chrono::milliseconds(3000)).Json()["totalTokens"], 4);
}

TEST_F(ApiTest, Http10IsAnsweredAndClosed) {
  const std::string answer = client_->SendRaw("GET /api/health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 5000);
  EXPECT_EQ(answer.rfind("HTTP/1.0 200", 0), 0u) << answer;
  // SendRaw returned before its 5 s timeout only if the server closed.
}

TEST_F(ApiTest, MalformedRequestIs400AndClosed) {
  const std::string answer = client_->SendRaw("GARBAGE\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
}

TEST_F(ApiTest, HealthIs200WhenAllIsUpAnd503WhenValkeyIsDown) {
  HttpResult healthy = client_->Get("/api/health");
  ASSERT_EQ(healthy.status, 200) << healthy.body;
  EXPECT_EQ(healthy.Json()["status"], "healthy");
  EXPECT_EQ(healthy.Json()["services"]["database"], "up");
  EXPECT_EQ(healthy.Json()["services"]["valkey"], "up");
  EXPECT_FALSE(healthy.Json()["timestamp"].get<std::string>().empty());

  ASSERT_TRUE(valkey_.Stop().ok());
  HttpResult down;
  for (int i = 0; i < 100 && down.status != 503; ++i) {
    down = client_->Get("/api/health");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(down.status, 503) << down.body;
  EXPECT_EQ(down.Json()["status"], "unhealthy");
  EXPECT_EQ(down.Json()["services"]["valkey"], "down");
  EXPECT_EQ(down.Json()["services"]["database"], "up");
  HttpResult refused = client_->PostJson("/api/events", R"({"tenant":"v","feature":"f","tokens":1})");
  EXPECT_EQ(refused.status, 503);
  EXPECT_FALSE(refused.Header("retry-after").empty());

  ASSERT_TRUE(valkey_.Start().ok());
  HttpResult back;
  for (int i = 0; i < 100 && back.status != 200; ++i) {
    back = client_->Get("/api/health");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(back.status, 200) << back.body;
  HttpResult accepted;
  for (int i = 0; i < 50 && accepted.status != 201; ++i) {
    accepted = client_->PostJson("/api/events", R"({"tenant":"v","feature":"f","tokens":1})");
    if (accepted.status != 201) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(accepted.status, 201) << accepted.body;
}

TEST_F(ApiTest, MetricsExposeEverySeriesOfTheContract) {
  ASSERT_EQ(client_->PostJson("/api/events", R"({"tenant":"m","feature":"f","tokens":1})").status, 201);
  WaitForTotal("m", 1, std::chrono::milliseconds(3000));
  HttpResult metrics = client_->Get("/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.Header("content-type").rfind("text/plain; version=0.0.4", 0), 0u);
  for (const char* series :
       {"flagmeter_queue_depth", "flagmeter_queue_inflight", "flagmeter_http_requests_total",
        "flagmeter_http_request_duration_seconds", "flagmeter_events_accepted_total",
        "flagmeter_events_persisted_total", "flagmeter_events_duplicate_total",
        "flagmeter_events_dead_lettered_total", "flagmeter_worker_batch_size", "flagmeter_ingest_lag_seconds"}) {
    EXPECT_NE(metrics.body.find(std::string("# TYPE ") + series), std::string::npos) << series;
  }
  EXPECT_NE(metrics.body.find(R"(route="/api/usage/:tenant")"), std::string::npos);
  EXPECT_NE(metrics.body.find("flagmeter_events_accepted_total 1"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("flagmeter_events_persisted_total 1"), std::string::npos) << metrics.body;
}

TEST_F(ApiTest, HeadAnswersWithoutABody) {
  HttpResult head = client_->Request("HEAD", "/api/health");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(client_->Get("/api/health").status, 200);  // the connection is still in step
}

TEST_F(ApiTest, ServesItsOpenApiDocument) {
  const HttpResult document = client_->Get("/api/openapi.json");
  ASSERT_EQ(document.status, 200) << document.body;
  EXPECT_EQ(document.Header("content-type"), "application/json");
  EXPECT_EQ(document.body, OpenApiJson());
  EXPECT_EQ(document.Json()["openapi"], "3.1.0");
  const HttpResult head = client_->Request("HEAD", "/api/openapi.json");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
}

}  // namespace
}  // namespace flagmeter::test
