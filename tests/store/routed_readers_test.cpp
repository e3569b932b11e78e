#include "flagmeter/store/routed_readers.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace flagmeter {
namespace {

using std::chrono::milliseconds;

// Answers with a fixed total, or a fixed failure; counts its reads.
class ScriptedReader final : public UsageReader {
 public:
  explicit ScriptedReader(Result<TenantUsage> answer, int* reads) : answer_(std::move(answer)), reads_(reads) {}
  Result<TenantUsage> ReadUsage(const std::string&, std::int64_t) override {
    ++*reads_;
    return answer_;
  }
  Status Ping() override { return Status::Ok(); }

 private:
  Result<TenantUsage> answer_;
  int* reads_;
};

TenantUsage Total(TokenSum tokens) {
  TenantUsage usage;
  usage.total_tokens = tokens;
  return usage;
}

class RoutedUsageReaderTest : public ::testing::Test {
 protected:
  RoutedUsageReader Make(Result<TenantUsage> standby_answer) {
    return RoutedUsageReader(std::make_unique<ScriptedReader>(Total(2), &primary_reads_),
                             std::make_unique<ScriptedReader>(std::move(standby_answer), &standby_reads_), route_);
  }
  void OnStandby() { route_.Observe(ReplicaSample{.in_recovery = true, .lag_seconds = 0}); }

  ReadRoute route_{milliseconds(1000), nullptr};
  int primary_reads_ = 0;
  int standby_reads_ = 0;
};

TEST_F(RoutedUsageReaderTest, AsksThePrimaryUntilTheRouteSaysStandby) {
  RoutedUsageReader reader = Make(Total(1));
  EXPECT_EQ(reader.ReadUsage("t", 0)->total_tokens, 2);
  OnStandby();
  EXPECT_EQ(reader.ReadUsage("t", 0)->total_tokens, 1);
  EXPECT_EQ(primary_reads_, 1);
  EXPECT_EQ(standby_reads_, 1);
}

TEST_F(RoutedUsageReaderTest, AnUnreachableStandbyIsAnsweredByThePrimaryAndMovesTheRoute) {
  RoutedUsageReader reader = Make(Status::Unavailable("connection refused"));
  OnStandby();
  EXPECT_EQ(reader.ReadUsage("t", 0)->total_tokens, 2);
  EXPECT_FALSE(route_.UseReplica());
  EXPECT_EQ(reader.ReadUsage("t", 0)->total_tokens, 2);
  EXPECT_EQ(standby_reads_, 1);
}

TEST_F(RoutedUsageReaderTest, ATenantTheStandbyDoesNotKnowYetIsAskedOfThePrimary) {
  RoutedUsageReader reader = Make(Status::NotFound("Tenant 't' not found"));
  OnStandby();
  EXPECT_EQ(reader.ReadUsage("t", 0)->total_tokens, 2);
  EXPECT_TRUE(route_.UseReplica());  // not a reason to leave the standby
}

}  // namespace
}  // namespace flagmeter
