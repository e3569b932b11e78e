#include "http/dead_letter_json.hpp"

#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "flagmeter/queue/event_codec.hpp"

namespace flagmeter {
namespace {

using nlohmann::json;

DeadLetterListQuery ListQuery(std::string_view query) {
  auto parsed = ParseDeadLetterListQuery(query);
  EXPECT_TRUE(std::holds_alternative<DeadLetterListQuery>(parsed)) << query;
  return std::holds_alternative<DeadLetterListQuery>(parsed) ? std::get<DeadLetterListQuery>(parsed)
                                                            : DeadLetterListQuery{};
}

std::vector<FieldError> ListErrors(std::string_view query) {
  auto parsed = ParseDeadLetterListQuery(query);
  EXPECT_TRUE(std::holds_alternative<std::vector<FieldError>>(parsed)) << query;
  return std::holds_alternative<std::vector<FieldError>>(parsed) ? std::get<std::vector<FieldError>>(parsed)
                                                                 : std::vector<FieldError>{};
}

std::vector<FieldError> SelectionErrors(std::string_view body) {
  auto parsed = ParseDeadLetterSelection(body);
  EXPECT_TRUE(std::holds_alternative<std::vector<FieldError>>(parsed)) << body;
  return std::holds_alternative<std::vector<FieldError>>(parsed) ? std::get<std::vector<FieldError>>(parsed)
                                                                 : std::vector<FieldError>{};
}

DeadLetterSelection Selection(std::string_view body) {
  auto parsed = ParseDeadLetterSelection(body);
  EXPECT_TRUE(std::holds_alternative<DeadLetterSelection>(parsed)) << body;
  return std::holds_alternative<DeadLetterSelection>(parsed) ? std::get<DeadLetterSelection>(parsed)
                                                             : DeadLetterSelection{};
}

TEST(DeadLetterListQuery, DefaultsToTheFirst100) {
  const DeadLetterListQuery query = ListQuery("");
  EXPECT_EQ(query.limit, 100u);
  EXPECT_EQ(query.after_id, 0u);
}

TEST(DeadLetterListQuery, ReadsLimitAndCursorAndIgnoresOtherParameters) {
  const DeadLetterListQuery query = ListQuery("x=1&limit=500&cursor=1234&y");
  EXPECT_EQ(query.limit, 500u);
  EXPECT_EQ(query.after_id, 1234u);
  EXPECT_EQ(ListQuery("limit=1").limit, 1u);
}

TEST(DeadLetterListQuery, RefusesLimitsOutside1To500AndBadCursors) {
  for (std::string_view bad : {"limit=0", "limit=501", "limit=-1", "limit=", "limit=ten", "limit=1e2"}) {
    const std::vector<FieldError> errors = ListErrors(bad);
    ASSERT_EQ(errors.size(), 1u) << bad;
    EXPECT_EQ(errors[0].path, "limit");
  }
  for (std::string_view bad : {"cursor=", "cursor=abc", "cursor=-5", "cursor=1.5"}) {
    const std::vector<FieldError> errors = ListErrors(bad);
    ASSERT_EQ(errors.size(), 1u) << bad;
    EXPECT_EQ(errors[0].path, "cursor");
  }
  EXPECT_EQ(ListErrors("limit=5&limit=6").size(), 1u);
  EXPECT_EQ(ListErrors("limit=0&cursor=x").size(), 2u);
}

TEST(DeadLetterSelection, ReadsExactlyOneOfIdsCountAll) {
  EXPECT_EQ(Selection(R"({"ids":[3,1]})").ids, (std::vector<std::uint64_t>{3, 1}));
  EXPECT_EQ(Selection(R"({"count":7,"reason":"refused"})").count, 7);
  EXPECT_EQ(Selection(R"({"count":7,"reason":"refused"})").reason, DeadLetterReason::kRefused);
  EXPECT_TRUE(Selection(R"({"all":true})").all);
  EXPECT_EQ(Selection(R"({"all":true,"reason":"undecodable"})").reason, DeadLetterReason::kUndecodable);
}

TEST(DeadLetterSelection, RefusesAnUnclearOrUnknownChoice) {
  EXPECT_EQ(SelectionErrors("").at(0).path, "");
  EXPECT_EQ(SelectionErrors("[]").at(0).path, "");
  EXPECT_EQ(SelectionErrors("{}").at(0).path, "");
  EXPECT_EQ(SelectionErrors(R"({"all":true,"count":3})").at(0).path, "");
  EXPECT_EQ(SelectionErrors(R"({"all":false})").at(0).path, "all");
  EXPECT_EQ(SelectionErrors(R"({"count":0})").at(0).path, "count");
  EXPECT_EQ(SelectionErrors(R"({"count":1.5})").at(0).path, "count");
  EXPECT_EQ(SelectionErrors(R"({"ids":[]})").at(0).path, "ids");
  EXPECT_EQ(SelectionErrors(R"({"ids":[1,"2"]})").at(0).path, "ids[1]");
  EXPECT_EQ(SelectionErrors(R"({"ids":[0]})").at(0).path, "ids[0]");
  EXPECT_EQ(SelectionErrors(R"({"ids":[1],"reason":"refused"})").at(0).path, "reason");
  EXPECT_EQ(SelectionErrors(R"({"all":true,"reason":"other"})").at(0).path, "reason");
  EXPECT_EQ(SelectionErrors(R"({"all":true,"everything":true})").at(0).path, "everything");
  std::string many = R"({"ids":[)";
  for (int i = 1; i <= 501; ++i) many += (i > 1 ? "," : "") + std::to_string(i);
  EXPECT_EQ(SelectionErrors(many + "]}").at(0).path, "ids");
}

TEST(DeadLetterPageJson, ShowsEachRecordAndTheCursorOfTheNextPage) {
  DeadLetterPage page;
  page.total = 10;
  page.more = true;
  DeadLetterEntry refused;
  refused.id = 4;
  refused.reason = DeadLetterReason::kRefused;
  refused.detail = "refused by the store: check";
  refused.at_ms = 1'795'000'000'000;
  refused.event = Event{"e-1", "acme", "gpt-4o", 12, 1'795'000'000'000, 1'795'000'000'000, 0};
  DeadLetterEntry undecodable;
  undecodable.id = 9;
  undecodable.queue_text = "not json";
  page.entries = {refused, undecodable};

  const json body = json::parse(DeadLetterPageJson(page));
  EXPECT_EQ(body["total"], 10);
  EXPECT_EQ(body["nextCursor"], "9");
  ASSERT_EQ(body["deadLetters"].size(), 2u);
  EXPECT_EQ(body["deadLetters"][0],
            json::parse(R"({"id":4,"reason":"refused","detail":"refused by the store: check",
                            "deadLetteredAt":"2026-11-18T11:06:40Z","eventId":"e-1","tenant":"acme",
                            "feature":"gpt-4o","tokens":12,"timestamp":"2026-11-18T11:06:40Z"})"));
  EXPECT_EQ(body["deadLetters"][1],
            json::parse(R"({"id":9,"reason":"undecodable","detail":null,"deadLetteredAt":null,"raw":"not json"})"));

  page.more = false;
  EXPECT_EQ(json::parse(DeadLetterPageJson(page))["nextCursor"], nullptr);
  EXPECT_EQ(json::parse(DeadLetterPageJson(DeadLetterPage{})),
            json::parse(R"({"deadLetters":[],"total":0,"nextCursor":null})"));
}

TEST(DeadLetterMoveJson, NamesWhatWasDone) {
  DeadLetterMoveReport report{3, {7}, true, 2};
  EXPECT_EQ(json::parse(DeadLetterMoveJson(DeadLetterAction::kRedrive, report)),
            json::parse(R"({"redriven":3,"notFound":[7],"queueFull":true,"remaining":2})"));
  EXPECT_EQ(json::parse(DeadLetterMoveJson(DeadLetterAction::kDiscard, report)),
            json::parse(R"({"discarded":3,"notFound":[7],"remaining":2})"));
}

}  // namespace
}  // namespace flagmeter
