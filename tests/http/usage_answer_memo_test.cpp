#include "http/usage_answer_memo.hpp"

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace flagmeter {
namespace {

Reply<TenantUsage> UsageOf(const std::string& tenant) {
  TenantUsage usage;
  usage.tenant_id = tenant;
  return MakeReply<TenantUsage>(usage);
}

// Renders the tenant's name and counts how often it was asked to.
struct CountingRender {
  int* calls;
  std::string operator()(const TenantUsage& usage) const {
    ++*calls;
    return "{\"tenant\":\"" + usage.tenant_id + "\"}";
  }
};

TEST(UsageAnswerMemo, OneReplyIsWrittenOnce) {
  UsageAnswerMemo memo;
  int calls = 0;
  const Reply<TenantUsage> reply = UsageOf("acme");
  EXPECT_EQ(memo.Json(reply, CountingRender{&calls}), R"({"tenant":"acme"})");
  EXPECT_EQ(memo.Json(reply, CountingRender{&calls}), R"({"tenant":"acme"})");
  EXPECT_EQ(calls, 1);
}

TEST(UsageAnswerMemo, ANewReplyIsWrittenAgainEvenWithTheSameTenant) {
  UsageAnswerMemo memo;
  int calls = 0;
  memo.Json(UsageOf("acme"), CountingRender{&calls});
  memo.Json(UsageOf("acme"), CountingRender{&calls});  // the cache's next reply: its values may differ
  EXPECT_EQ(calls, 2);
}

TEST(UsageAnswerMemo, KeepsTheLastEntriesOnly) {
  UsageAnswerMemo memo;
  int calls = 0;
  std::vector<Reply<TenantUsage>> replies;
  for (std::size_t i = 0; i <= UsageAnswerMemo::kEntries; ++i) {
    replies.push_back(UsageOf("t" + std::to_string(i)));
    memo.Json(replies.back(), CountingRender{&calls});
  }
  ASSERT_EQ(calls, static_cast<int>(UsageAnswerMemo::kEntries) + 1);
  EXPECT_EQ(memo.Json(replies[1], CountingRender{&calls}), R"({"tenant":"t1"})");
  EXPECT_EQ(calls, static_cast<int>(UsageAnswerMemo::kEntries) + 1) << "the second reply should still be kept";
  EXPECT_EQ(memo.Json(replies[0], CountingRender{&calls}), R"({"tenant":"t0"})");
  EXPECT_EQ(calls, static_cast<int>(UsageAnswerMemo::kEntries) + 2) << "the first reply should have been replaced";
}

TEST(UsageAnswerMemo, HoldsAReplyUntilReplacedSoItsAddressIsNotReused) {
  UsageAnswerMemo memo;
  int calls = 0;
  std::weak_ptr<const Result<TenantUsage>> first;
  {
    const Reply<TenantUsage> reply = UsageOf("acme");
    first = reply;
    memo.Json(reply, CountingRender{&calls});
  }
  EXPECT_FALSE(first.expired());
  for (std::size_t i = 0; i < UsageAnswerMemo::kEntries; ++i) memo.Json(UsageOf("other"), CountingRender{&calls});
  EXPECT_TRUE(first.expired()) << "a replaced reply should be let go";
}

}  // namespace
}  // namespace flagmeter
