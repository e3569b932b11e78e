// Every error answer of API.md, against the real binary.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api_fixture.hpp"
#include "flagmeter/core/clock.hpp"
#include "flagmeter/core/rfc3339.hpp"

namespace flagmeter::test {
namespace {

using nlohmann::json;

struct BadBody {
  std::string body;
  std::string path;  // of the first detail
};

TEST_F(ApiTest, EveryInvalidBodyIs400WithThePathOfTheProblem) {
  const std::string future = FormatRfc3339(NowMs() + 10 * 60 * 1000);
  std::string too_many = "[";
  for (int i = 0; i < 1001; ++i) too_many += std::string(i ? "," : "") + R"({"tenant":"t","feature":"f","tokens":1})";
  too_many += "]";
  const std::vector<BadBody> cases = {
      {"not json", ""},
      {"{\"tenant\":\"t\xff\",\"feature\":\"f\",\"tokens\":1}", ""},
      {"42", ""},
      {"\"text\"", ""},
      {"[]", ""},
      {too_many, ""},
      {R"({"feature":"f","tokens":1})", "tenant"},
      {R"({"tenant":"t","tokens":1})", "feature"},
      {R"({"tenant":"t","feature":"f"})", "tokens"},
      {R"({"tenant":"t","feature":"f","tokens":1.5})", "tokens"},
      {R"({"tenant":"t","feature":"f","tokens":1.0})", "tokens"},
      {R"({"tenant":"t","feature":"f","tokens":1e2})", "tokens"},
      {R"({"tenant":"t","feature":"f","tokens":"100"})", "tokens"},
      {R"({"tenant":"t","feature":"f","tokens":true})", "tokens"},
      {R"({"tenant":"t","feature":"f","tokens":null})", "tokens"},
      {R"({"tenant":"t","feature":"f","tokens":0})", "tokens"},
      {R"({"tenant":"t","feature":"f","tokens":-5})", "tokens"},
      {R"({"tenant":"t","feature":"f","tokens":9007199254740992})", "tokens"},
      {R"({"tenant":"","feature":"f","tokens":1})", "tenant"},
      {R"({"tenant":")" + std::string(129, 'x') + R"(","feature":"f","tokens":1})", "tenant"},
      {R"({"tenant":"a\u0001b","feature":"f","tokens":1})", "tenant"},
      {R"({"tenant":"t","feature":"f\u007f","tokens":1})", "feature"},
      {R"({"tenant":42,"feature":"f","tokens":1})", "tenant"},
      {R"({"tenant":"t","feature":"f","tokens":1,"id":""})", "id"},
      {R"({"tenant":"t","feature":"f","tokens":1,"timestamp":"yesterday"})", "timestamp"},
      {R"({"tenant":"t","feature":"f","tokens":1,"timestamp":")" + future + R"("})", "timestamp"},
      {R"([{"tenant":"t","feature":"f","tokens":1},{"tenant":"t","feature":"f","tokens":"x"}])", "[1].tokens"},
      {R"([{"tenant":"t","feature":"f","tokens":1}, 7])", "[1]"},
  };
  for (const BadBody& bad : cases) {
    HttpResult answer = client_->PostJson("/api/events", bad.body);
    ASSERT_EQ(answer.status, 400) << bad.body.substr(0, 200) << " -> " << answer.body;
    const json body = answer.Json();
    EXPECT_EQ(body["error"], "Invalid request body") << answer.body;
    ASSERT_TRUE(body["details"].is_array() && !body["details"].empty()) << answer.body;
    EXPECT_EQ(body["details"][0]["path"], bad.path) << bad.body.substr(0, 200) << " -> " << answer.body;
    EXPECT_FALSE(body["details"][0]["message"].get<std::string>().empty());
  }
  // A rejected batch queued nothing, not even its good events.
  EXPECT_EQ(valkey_.ListLength("events"), 0);
  EXPECT_EQ(client_->Get("/api/usage/t").status, 404);
}

TEST_F(ApiTest, EveryProblemOfAnEventIsReported) {
  HttpResult answer = client_->PostJson("/api/events", R"({"tenant":"","feature":7,"tokens":1.5})");
  ASSERT_EQ(answer.status, 400);
  const json body = answer.Json();
  std::vector<std::string> paths;
  for (const json& detail : body["details"]) paths.push_back(detail["path"]);
  EXPECT_EQ(paths, (std::vector<std::string>{"tenant", "feature", "tokens"}));
}

TEST_F(ApiTest, ContentTypeOtherThanJsonIs415) {
  const std::string event = R"({"tenant":"t","feature":"f","tokens":1})";
  EXPECT_EQ(client_->Request("POST", "/api/events", event, {{"Content-Type", "text/plain"}}).status, 415);
  EXPECT_EQ(client_->Request("POST", "/api/events", event, {{"Content-Type", "application/json; charset=utf-8"}}).status,
            201);
  EXPECT_EQ(client_->Request("POST", "/api/events", event, {{"Content-Type", "Application/JSON"}}).status, 201);
  EXPECT_EQ(client_->Request("POST", "/api/events", event).status, 201);
}

TEST_F(ApiTest, WrongMethodIs405WithAllow) {
  HttpResult get_events = client_->Get("/api/events");
  EXPECT_EQ(get_events.status, 405);
  EXPECT_EQ(get_events.Header("allow"), "POST");
  EXPECT_TRUE(get_events.Json().contains("error"));
  HttpResult post_usage = client_->PostJson("/api/usage/acme", "{}");
  EXPECT_EQ(post_usage.status, 405);
  EXPECT_EQ(post_usage.Header("allow"), "GET, HEAD");
  EXPECT_EQ(client_->Request("DELETE", "/api/health").status, 405);
}

TEST_F(ApiTest, UnknownRouteIs404Json) {
  for (const char* target : {"/nope", "/api/usage", "/api/usage/a/b", "/api/events/1"}) {
    HttpResult answer = client_->Get(target);
    EXPECT_EQ(answer.status, 404) << target;
    EXPECT_TRUE(answer.Json().contains("error")) << target;
  }
}

TEST_F(ApiTest, RawNonUtf8BytesInAPathGet4xxWithValidJson) {
  // Sent as raw bytes, not percent-escapes: a 0xFF, half of a UTF-8
  // character, and a tenant and key id made of such bytes.
  for (const std::string& target : {std::string("/api/\xFF"), std::string("/assets/\xC3"),
                                   std::string("/api/usage/\xFF\xFE"), std::string("/nope/\xE2\x82"),
                                   std::string("/api/tenants/\xC3/keys/\xFF")}) {
    HttpResult answer = client_->Get(target);
    EXPECT_GE(answer.status, 400) << target;
    EXPECT_LT(answer.status, 500) << target;
    EXPECT_TRUE(answer.Json().contains("error")) << target;  // a body that is not JSON parses as discarded
  }
}

class SmallBodyApiTest : public ApiTest {
 protected:
  std::map<std::string, std::string> ExtraEnv() const override { return {{"MAX_BODY_BYTES", "2048"}}; }
};

TEST_F(SmallBodyApiTest, ABodyOverMaxBodyBytesIs413) {
  std::string batch = "[";
  for (int i = 0; i < 60; ++i) batch += std::string(i ? "," : "") + R"({"tenant":"t","feature":"f","tokens":1})";
  batch += "]";
  ASSERT_GT(batch.size(), 2048u);
  HttpResult answer = client_->PostJson("/api/events", batch);
  EXPECT_EQ(answer.status, 413);
  EXPECT_TRUE(answer.Json().contains("error"));
  // Chunked, with no Content-Length up front.
  const std::string chunk = batch.substr(0, 1500);
  char size[16];
  std::snprintf(size, sizeof(size), "%zx", chunk.size());
  const std::string raw = std::string("POST /api/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n") +
                          "Transfer-Encoding: chunked\r\n\r\n" + size + "\r\n" + chunk + "\r\n" + size + "\r\n" +
                          chunk + "\r\n0\r\n\r\n";
  EXPECT_NE(client_->SendRaw(raw).find("HTTP/1.1 413"), std::string::npos);
  EXPECT_EQ(valkey_.ListLength("events"), 0);
}

}  // namespace
}  // namespace flagmeter::test
