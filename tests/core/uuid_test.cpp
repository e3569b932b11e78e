#include "flagmeter/core/uuid.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

namespace flagmeter {
namespace {

constexpr std::int64_t kNowMs = 1'795'000'000'123;  // 2026-11-18

bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

void ExpectWellFormed(const std::string& uuid) {
  ASSERT_EQ(uuid.size(), 36u) << uuid;
  for (std::size_t i = 0; i < uuid.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      EXPECT_EQ(uuid[i], '-') << uuid;
    } else {
      EXPECT_TRUE(IsLowerHex(uuid[i])) << uuid;
    }
  }
  EXPECT_EQ(uuid[14], '7') << "version: " << uuid;
  EXPECT_NE(std::string("89ab").find(uuid[19]), std::string::npos) << "variant: " << uuid;
}

std::int64_t TimestampOf(const std::string& uuid) {
  return std::stoll(uuid.substr(0, 8) + uuid.substr(9, 4), nullptr, 16);
}

TEST(UuidV7, HasTheRfc9562Layout) {
  for (int i = 0; i < 100; ++i) ExpectWellFormed(NewUuidV7(kNowMs + i));
}

// The generator state is per thread; a fresh thread starts from none, so
// what earlier tests did on this thread cannot move its timestamps.
std::string NewUuidV7OnFreshThread(std::int64_t now_ms) {
  std::string uuid;
  std::thread([&uuid, now_ms] { uuid = NewUuidV7(now_ms); }).join();
  return uuid;
}

TEST(UuidV7, CarriesTheMillisecondTimestamp) {
  EXPECT_EQ(TimestampOf(NewUuidV7OnFreshThread(kNowMs)), kNowMs);
  EXPECT_EQ(NewUuidV7OnFreshThread(kNowMs + 20'000).substr(0, 13), "01a1ee56-ac9b");
  EXPECT_EQ(NewUuidV7OnFreshThread(0).substr(0, 13), "00000000-0000");
}

TEST(UuidV7, IsStrictlyIncreasingWithinOneMillisecond) {
  const std::int64_t ms = kNowMs + 30'000;
  std::string previous = NewUuidV7(ms);
  // Far more than the 12-bit counter holds: overflow must keep the order.
  for (int i = 0; i < 10'000; ++i) {
    std::string next = NewUuidV7(ms);
    ASSERT_LT(previous, next);
    previous = std::move(next);
  }
  EXPECT_GT(TimestampOf(previous), ms);  // borrowed later milliseconds
}

TEST(UuidV7, StaysIncreasingWhenTheClockGoesBack) {
  const std::string before = NewUuidV7(kNowMs + 40'000);
  const std::string after = NewUuidV7(kNowMs + 39'000);
  EXPECT_LT(before, after);
  ExpectWellFormed(after);
}

TEST(UuidV7, StartsANewMillisecondAtARandomCounterValue) {
  // With a random counter start below 2048, ten new milliseconds almost
  // surely do not all start at the same value.
  std::set<std::string> counters;
  std::thread([&counters] {
    for (int i = 0; i < 10; ++i) counters.insert(NewUuidV7(kNowMs + i).substr(15, 3));
  }).join();
  EXPECT_GT(counters.size(), 1u);
}

TEST(UuidV7, IsUniqueAcrossThreads) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 5'000;
  std::vector<std::vector<std::string>> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&results, t] {
      for (int i = 0; i < kPerThread; ++i) results[t].push_back(NewUuidV7(kNowMs + 60'000));
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::set<std::string> all;
  for (const auto& ids : results) all.insert(ids.begin(), ids.end());
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kPerThread));
}

}  // namespace
}  // namespace flagmeter
