#include "http/response.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace flagmeter {
namespace {

constexpr FailureWording kWording{.operation = "test call",
                                  .unavailable = "The thing is unavailable; retry shortly",
                                  .overloaded = "Too many calls are waiting; retry shortly"};

std::string ErrorOf(const HttpResponse& response) {
  return nlohmann::json::parse(response.body()).at("error").get<std::string>();
}

TEST(FailureResponse, NotFoundAndInvalidArgumentCarryTheirMessage) {
  const HttpResponse missing = FailureResponse(Status::NotFound("Tenant 'acme' not found"), kWording);
  EXPECT_EQ(missing.result_int(), 404u);
  EXPECT_EQ(ErrorOf(missing), "Tenant 'acme' not found");
  const HttpResponse invalid = FailureResponse(Status::InvalidArgument("limit must be 1..500"), kWording);
  EXPECT_EQ(invalid.result_int(), 400u);
  EXPECT_EQ(ErrorOf(invalid), "limit must be 1..500");
  const HttpResponse refused = FailureResponse(Status::FailedPrecondition("Tenant 'acme' may not be created"), kWording);
  EXPECT_EQ(refused.result_int(), 422u);
  EXPECT_EQ(ErrorOf(refused), "Tenant 'acme' may not be created");
}

TEST(FailureResponse, OutagesAndBoundsAre503WithRetryAfterAndNoDetail) {
  const HttpResponse down = FailureResponse(Status::Unavailable("pg: connection refused to 10.0.0.5"), kWording);
  EXPECT_EQ(down.result_int(), 503u);
  EXPECT_EQ(ErrorOf(down), "The thing is unavailable; retry shortly");
  EXPECT_EQ(down[boost::beast::http::field::retry_after], "1");
  const HttpResponse full = FailureResponse(Status::Overloaded("1000 jobs are waiting"), kWording);
  EXPECT_EQ(full.result_int(), 503u);
  EXPECT_EQ(ErrorOf(full), "Too many calls are waiting; retry shortly");
  EXPECT_EQ(full[boost::beast::http::field::retry_after], "1");
  // Without its own sentence, a bound reads as the outage's.
  const HttpResponse plain = FailureResponse(Status::Overloaded("full"), {.operation = "x", .unavailable = "Busy"});
  EXPECT_EQ(ErrorOf(plain), "Busy");
}

TEST(FailureResponse, EverythingElseIsAGeneric500) {
  for (const Status& status : {Status::Internal("stack detail"), Status::Aborted("raced")}) {
    const HttpResponse response = FailureResponse(status, kWording);
    EXPECT_EQ(response.result_int(), 500u) << status.ToString();
    EXPECT_EQ(ErrorOf(response), "Internal server error");
  }
}

}  // namespace
}  // namespace flagmeter
