#include "http/dead_letter_handler.hpp"

#include <gtest/gtest.h>

#include "http/route_harness.hpp"

namespace flagmeter {
namespace {

using boost::beast::http::verb;
using testing::BodyOf;
using testing::RouteHarness;

TEST(DeadLetterRoutes, ListPassesTheCursorAndLimitAndMapsFailures) {
  RouteHarness harness;
  harness.dead_letters.page = DeadLetterPage{{}, 0, false, 0};
  HttpResponse response = harness.Admin(verb::get, "/api/dead-letters?limit=20&cursor=41");
  ASSERT_EQ(response.result_int(), 200u) << response.body();
  EXPECT_EQ(BodyOf(response)["total"], 0);
  ASSERT_EQ(harness.dead_letters.lists.size(), 1u);
  EXPECT_EQ(harness.dead_letters.lists[0], (std::pair<std::uint64_t, std::size_t>{41, 20}));
  harness.dead_letters.page = Status::Unavailable("valkey: connection refused");
  response = harness.Admin(verb::get, "/api/dead-letters");
  EXPECT_EQ(response.result_int(), 503u);
  EXPECT_EQ(BodyOf(response)["error"], "The dead-letter list cannot be reached right now; retry shortly");
  EXPECT_EQ(harness.Admin(verb::get, "/api/dead-letters?limit=0").result_int(), 400u);
  EXPECT_EQ(harness.Send(verb::get, "/api/dead-letters").result_int(), 401u);
  EXPECT_EQ(harness.dead_letters.lists.size(), 2u);
}

TEST(DeadLetterRoutes, RedriveAndDiscardPassTheirSelection) {
  RouteHarness harness;
  harness.dead_letters.report = DeadLetterMoveReport{2, {9}, false, 5};
  HttpResponse response = harness.Admin(verb::post, "/api/dead-letters/redrive", R"({"ids":[3,4,9]})");
  ASSERT_EQ(response.result_int(), 200u) << response.body();
  EXPECT_EQ(BodyOf(response)["redriven"], 2);
  response = harness.Admin(verb::post, "/api/dead-letters/discard", R"({"all":true,"reason":"refused"})");
  ASSERT_EQ(response.result_int(), 200u) << response.body();
  EXPECT_EQ(BodyOf(response)["discarded"], 2);
  ASSERT_EQ(harness.dead_letters.moves.size(), 2u);
  EXPECT_EQ(harness.dead_letters.moves[0].first, DeadLetterAction::kRedrive);
  EXPECT_EQ(harness.dead_letters.moves[0].second.ids, (std::vector<std::uint64_t>{3, 4, 9}));
  EXPECT_EQ(harness.dead_letters.moves[1].first, DeadLetterAction::kDiscard);
  EXPECT_TRUE(harness.dead_letters.moves[1].second.all);
  EXPECT_EQ(harness.dead_letters.moves[1].second.reason, DeadLetterReason::kRefused);
  // A selection that is not exactly one of ids, count and all never reaches the service.
  EXPECT_EQ(harness.Admin(verb::post, "/api/dead-letters/discard", R"({"all":true,"count":2})").result_int(), 400u);
  EXPECT_EQ(harness.dead_letters.moves.size(), 2u);
}

}  // namespace
}  // namespace flagmeter
