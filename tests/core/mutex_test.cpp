#include "flagmeter/core/mutex.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace flagmeter {
namespace {

struct Shared {
  Mutex mu;
  CondVar changed;
  int value FM_GUARDED_BY(mu) = 0;
};

TEST(CondVar, WaitReturnsOnceThePredicateHolds) {
  Shared shared;
  std::thread writer([&] {
    MutexLock lock(shared.mu);
    shared.value = 7;
    shared.changed.NotifyAll();
  });
  {
    MutexLock lock(shared.mu);
    shared.changed.Wait(shared.mu, [&]() FM_REQUIRES(shared.mu) { return shared.value == 7; });
    EXPECT_EQ(shared.value, 7);
  }
  writer.join();
}

TEST(CondVar, WaitForSaysWhetherThePredicateHeld) {
  Shared shared;
  MutexLock lock(shared.mu);
  EXPECT_FALSE(shared.changed.WaitFor(shared.mu, std::chrono::milliseconds(1),
                                      [&]() FM_REQUIRES(shared.mu) { return shared.value == 1; }));
  shared.value = 1;
  EXPECT_TRUE(shared.changed.WaitFor(shared.mu, std::chrono::milliseconds(1),
                                     [&]() FM_REQUIRES(shared.mu) { return shared.value == 1; }));
}

TEST(CondVar, WaitUntilSaysWhetherThePredicateHeld) {
  Shared shared;
  MutexLock lock(shared.mu);
  const auto soon = std::chrono::steady_clock::now() + std::chrono::milliseconds(1);
  EXPECT_FALSE(
      shared.changed.WaitUntil(shared.mu, soon, [&]() FM_REQUIRES(shared.mu) { return shared.value == 1; }));
  EXPECT_EQ(shared.changed.WaitUntil(shared.mu, soon), std::cv_status::timeout);
}

TEST(MutexLock, UnlockLetsAnotherThreadInUntilLock) {
  Shared shared;
  MutexLock lock(shared.mu);
  shared.value = 1;
  lock.Unlock();
  std::thread other([&] {
    MutexLock taken(shared.mu);
    shared.value += 1;
  });
  other.join();
  lock.Lock();
  EXPECT_EQ(shared.value, 2);
}

TEST(ReaderMutexLock, ReadersShareTheMutex) {
  SharedMutex mu;
  int value = 0;
  {
    WriterMutexLock lock(mu);
    value = 3;
  }
  ReaderMutexLock reading(mu);
  int seen = 0;
  std::thread other_reader([&] {
    ReaderMutexLock also_reading(mu);  // would wait forever if readers excluded each other
    seen = value;
  });
  other_reader.join();
  EXPECT_EQ(seen, 3);
}

}  // namespace
}  // namespace flagmeter
