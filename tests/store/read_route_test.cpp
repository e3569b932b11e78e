#include "flagmeter/store/read_route.hpp"

#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include <limits>

#include "flagmeter/metrics/metrics.hpp"

namespace flagmeter {
namespace {

using std::chrono::milliseconds;

class ReadRouteTest : public ::testing::Test {
 protected:
  static Result<ReplicaSample> Lag(double seconds) { return ReplicaSample{.in_recovery = true, .lag_seconds = seconds}; }
  double Fallbacks(ReadFallbackReason reason) { return metrics_.database_read_fallbacks(reason).Value(); }

  Metrics metrics_;
  ReadRoute route_{milliseconds(5000), &metrics_};
};

TEST_F(ReadRouteTest, ReadsStayOnThePrimaryUntilTheFirstCheck) {
  EXPECT_FALSE(route_.UseReplica());
  EXPECT_EQ(metrics_.database_read_fallback.Value(), 0);
}

TEST_F(ReadRouteTest, ALagWithinTheBoundSendsReadsToTheStandby) {
  route_.Observe(Lag(5.0));  // the bound itself is within it
  EXPECT_TRUE(route_.UseReplica());
  EXPECT_EQ(metrics_.database_replica_lag_seconds.Value(), 5.0);
  EXPECT_EQ(metrics_.database_read_fallback.Value(), 0);
}

TEST_F(ReadRouteTest, ALagBeyondTheBoundFallsBackOnceAndReturnsWhenItShrinks) {
  route_.Observe(Lag(0.2));
  route_.Observe(Lag(5.001));
  EXPECT_FALSE(route_.UseReplica());
  EXPECT_EQ(metrics_.database_replica_lag_seconds.Value(), 5.001);
  EXPECT_EQ(metrics_.database_read_fallback.Value(), 1);
  route_.Observe(Lag(9));  // the same stay on the primary
  EXPECT_EQ(Fallbacks(ReadFallbackReason::kLagging), 1);
  route_.Observe(Lag(0.1));
  EXPECT_TRUE(route_.UseReplica());
  EXPECT_EQ(metrics_.database_read_fallback.Value(), 0);
  route_.Observe(Lag(6));
  EXPECT_EQ(Fallbacks(ReadFallbackReason::kLagging), 2);
}

TEST_F(ReadRouteTest, AnUnknownLagIsBeyondAnyBound) {
  route_.Observe(Lag(std::numeric_limits<double>::infinity()));
  EXPECT_FALSE(route_.UseReplica());
  EXPECT_EQ(Fallbacks(ReadFallbackReason::kLagging), 1);
}

TEST_F(ReadRouteTest, AnUnreachableStandbyFallsBackAndKeepsTheLastLag) {
  route_.Observe(Lag(0.5));
  route_.Observe(Status::Unavailable("store: check the standby's lag: connection refused"));
  EXPECT_FALSE(route_.UseReplica());
  EXPECT_EQ(Fallbacks(ReadFallbackReason::kUnreachable), 1);
  EXPECT_EQ(metrics_.database_replica_lag_seconds.Value(), 0.5);
  EXPECT_EQ(metrics_.database_read_fallback.Value(), 1);
}

TEST_F(ReadRouteTest, AServerNotInRecoveryIsNotUsed) {
  route_.Observe(ReplicaSample{.in_recovery = false, .lag_seconds = 0});
  EXPECT_FALSE(route_.UseReplica());
  EXPECT_EQ(Fallbacks(ReadFallbackReason::kNotStandby), 1);
}

TEST_F(ReadRouteTest, AFailedReadFallsBackUntilTheNextGoodCheck) {
  route_.Observe(Lag(0));
  route_.ReadFailed(Status::Unavailable("store: read usage: server closed the connection"));
  EXPECT_FALSE(route_.UseReplica());
  route_.ReadFailed(Status::Unavailable("again"));
  EXPECT_EQ(Fallbacks(ReadFallbackReason::kUnreachable), 1);
  route_.Observe(Lag(0));
  EXPECT_TRUE(route_.UseReplica());
}

TEST_F(ReadRouteTest, WorksWithoutMetrics) {
  ReadRoute route(milliseconds(100), nullptr);
  route.Observe(Lag(0.05));
  EXPECT_TRUE(route.UseReplica());
  route.Observe(Lag(0.2));
  EXPECT_FALSE(route.UseReplica());
}

}  // namespace
}  // namespace flagmeter
