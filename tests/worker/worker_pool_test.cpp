#include "flagmeter/worker/worker_pool.hpp"

#include <gtest/gtest.h>
#include <prometheus/counter.h>

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <chrono>
#include <functional>
#include <future>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "fakes/fake_event_queue.hpp"
#include "fakes/fake_event_store.hpp"
#include "flagmeter/metrics/metrics.hpp"
#include "flagmeter/queue/event_codec.hpp"

namespace flagmeter {
namespace {

using fakes::FakeQueue;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

class WorkerPoolTest : public ::testing::Test {
 protected:
  std::unique_ptr<WorkerPool> MakePool(int concurrency, std::size_t max_batch_size, int linger_ms = 0,
                                       ThreadHealth* health = nullptr) {
    WorkerConfig config;
    config.concurrency = concurrency;
    config.max_batch_size = max_batch_size;
    config.idle_poll_ms = 1;
    config.linger_ms = linger_ms;
    WorkerRetryPolicy retry;
    retry.initial_backoff = milliseconds(1);
    retry.max_backoff = milliseconds(10);
    retry.ack_backoff = milliseconds(1);
    return std::make_unique<WorkerPool>(
        config, [this] { return queue_.NewConsumer(); }, [this] { return store_.NewStore(); }, metrics_,
        retry, health);
  }

  static Event MakeEvent(int n) {
    const auto now_ms =
        std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    return Event{"e" + std::to_string(n), "acme", "gpt-4o", n + 1, now_ms, now_ms};
  }

  // Queues events e<first>..e<first+count-1>; returns their encodings.
  std::vector<std::string> PushEvents(int count, int first = 0) {
    std::vector<std::string> encoded;
    for (int n = first; n < first + count; ++n) encoded.push_back(EncodeEvent(MakeEvent(n)));
    queue_.Push(encoded);
    return encoded;
  }

  static bool WaitUntil(const std::function<bool()>& condition) {
    const Clock::time_point give_up = Clock::now() + std::chrono::seconds(20);
    while (!condition()) {
      if (Clock::now() > give_up) return false;
      std::this_thread::sleep_for(milliseconds(1));
    }
    return true;
  }

  bool Drained(std::size_t stored) const {
    return store_.StoredCount() == stored && queue_.Waiting().empty() && queue_.ClaimedCount() == 0;
  }

  std::set<std::string> StoredIds() const {
    std::set<std::string> ids;
    for (const Event& event : store_.Stored()) ids.insert(event.id);
    return ids;
  }

  double DeadLettered(DeadLetterReason reason) const { return metrics_.events_dead_lettered(reason).Value(); }

  static void StopSoon(WorkerPool& pool) { pool.Stop(Clock::now() + std::chrono::seconds(5)); }

  FakeQueue queue_;
  fakes::FakeStore store_;
  Metrics metrics_;
};

TEST_F(WorkerPoolTest, DrainsEveryEventIntoTheStoreExactlyOnce) {
  PushEvents(300);
  auto pool = MakePool(4, 7);
  pool->Start();
  PushEvents(200, 300);  // some arrive while the workers run
  ASSERT_TRUE(WaitUntil([&] { return Drained(500); }));
  StopSoon(*pool);

  std::set<std::string> expected;
  for (int n = 0; n < 500; ++n) expected.insert("e" + std::to_string(n));
  EXPECT_EQ(StoredIds(), expected);
  EXPECT_EQ(store_.StoredCount(), 500u);
  EXPECT_EQ(metrics_.events_persisted.Value(), 500);
  EXPECT_EQ(metrics_.events_duplicate.Value(), 0);
  EXPECT_EQ(DeadLettered(DeadLetterReason::kUndecodable), 0);
  EXPECT_EQ(DeadLettered(DeadLetterReason::kRefused), 0);
  EXPECT_EQ(pool->Inflight(), 0);
}

TEST_F(WorkerPoolTest, BatchesNeverExceedMaxBatchSize) {
  PushEvents(100);
  auto pool = MakePool(3, 7);
  pool->Start();
  ASSERT_TRUE(WaitUntil([&] { return Drained(100); }));
  StopSoon(*pool);

  EXPECT_EQ(queue_.LargestClaim(), 7u);
  const std::vector<std::size_t> sizes = store_.CommittedBatchSizes();
  ASSERT_FALSE(sizes.empty());
  EXPECT_EQ(*std::max_element(sizes.begin(), sizes.end()), 7u);
}

TEST_F(WorkerPoolTest, AfterAPartialBatchEventsGatherIntoOneLargerBatch) {
  PushEvents(5);
  auto pool = MakePool(1, 100, /*linger_ms=*/2000);
  pool->Start();
  ASSERT_TRUE(WaitUntil([&] { return Drained(5); }));
  // The worker is lingering now: these ten pushes must land in one batch.
  for (int n = 0; n < 10; ++n) PushEvents(5, 5 + 5 * n);
  ASSERT_TRUE(WaitUntil([&] { return Drained(55); }));
  StopSoon(*pool);
  EXPECT_EQ(store_.CommittedBatchSizes(), (std::vector<std::size_t>{5, 50}));
}

TEST_F(WorkerPoolTest, FullBatchesAreFollowedAtOnceByTheNextClaim) {
  PushEvents(25);
  // Were full batches followed by the linger too, draining would take a minute.
  auto pool = MakePool(1, 10, /*linger_ms=*/30000);
  pool->Start();
  ASSERT_TRUE(WaitUntil([&] { return Drained(25); }));
  StopSoon(*pool);
  EXPECT_EQ(store_.CommittedBatchSizes(), (std::vector<std::size_t>{10, 10, 5}));
}

TEST_F(WorkerPoolTest, ResentEventsAreCountedOnce) {
  PushEvents(50);
  PushEvents(50);  // the same ids again
  auto pool = MakePool(2, 16);
  pool->Start();
  ASSERT_TRUE(WaitUntil([&] { return Drained(50) && metrics_.events_duplicate.Value() == 50; }));
  StopSoon(*pool);
  EXPECT_EQ(metrics_.events_persisted.Value(), 50);
}

TEST_F(WorkerPoolTest, RetriesThroughAStoreOutageWithoutLosingEvents) {
  store_.FailNextCommits(3);
  PushEvents(25);
  auto pool = MakePool(1, 10);
  pool->Start();
  ASSERT_TRUE(WaitUntil([&] { return Drained(25); }));
  StopSoon(*pool);

  EXPECT_EQ(store_.CommitCalls(), 3u + 3u);                 // three failures, then three batches
  EXPECT_EQ(queue_.Calls(FakeQueue::Op::kRenewLease), 3u);  // once between tries
  EXPECT_EQ(queue_.Calls(FakeQueue::Op::kRelease), 0u);
  EXPECT_EQ(metrics_.events_persisted.Value(), 25);
}

TEST_F(WorkerPoolTest, RetriesInternalErrors) {
  store_.FailNextCommits(2, Status::Internal("fake store: unexpected reply"));
  PushEvents(5);
  auto pool = MakePool(1, 10);
  pool->Start();
  ASSERT_TRUE(WaitUntil([&] { return Drained(5); }));
  StopSoon(*pool);
  EXPECT_EQ(DeadLettered(DeadLetterReason::kUndecodable), 0);
  EXPECT_EQ(DeadLettered(DeadLetterReason::kRefused), 0);
}

TEST_F(WorkerPoolTest, PoisonEventIsDeadLetteredAndTheOthersCommitted) {
  store_.RefuseEventId("e3", "tokens out of range");
  const std::vector<std::string> encoded = PushEvents(10);
  auto pool = MakePool(1, 10);
  pool->Start();
  ASSERT_TRUE(WaitUntil([&] { return Drained(9) && queue_.DeadLetters().size() == 1; }));
  StopSoon(*pool);

  const auto dead = queue_.DeadLetters();
  EXPECT_EQ(dead[0].encoded_event, encoded[3]);
  EXPECT_NE(dead[0].reason.find("tokens out of range"), std::string::npos) << dead[0].reason;
  EXPECT_EQ(StoredIds().count("e3"), 0u);
  // The batch, the parts [0,5), [2,5) and [3,5) that hold it, then alone 3 times.
  EXPECT_EQ(store_.CallsContaining("e3"), 1u + 3u + 3u);
  EXPECT_EQ(DeadLettered(DeadLetterReason::kRefused), 1);
  EXPECT_EQ(DeadLettered(DeadLetterReason::kUndecodable), 0);
  EXPECT_EQ(metrics_.events_persisted.Value(), 9);
  EXPECT_EQ(pool->Inflight(), 0);
}

// The commits of a bisection can together outlast the lease: the worker
// renews it before each part, so the reaper never hands the batch on.
TEST_F(WorkerPoolTest, BisectionRenewsTheLeaseBeforeEachPart) {
  store_.RefuseEventId("e3", "tokens out of range");
  PushEvents(10);
  auto pool = MakePool(1, 10);
  pool->Start();
  ASSERT_TRUE(WaitUntil([&] { return Drained(9) && queue_.DeadLetters().size() == 1; }));
  StopSoon(*pool);
  // Parts [0,5) [0,2) [2,5) [2,3) [3,5) [3,4) [4,5) [5,10): one renewal each.
  EXPECT_EQ(queue_.Calls(FakeQueue::Op::kRenewLease), 8u);
}

// One refused event in a full batch of 1,000 costs about 2 log2(1000)
// transactions; committing one event at a time cost 1 + 999 + 3 = 1,003.
TEST_F(WorkerPoolTest, OnePoisonEventAmongAThousandCostsLogarithmicallyManyTransactions) {
  store_.RefuseEventId("e637", "bigint out of range");
  PushEvents(1000);
  auto pool = MakePool(1, 1000);
  pool->Start();
  ASSERT_TRUE(WaitUntil([&] { return Drained(999) && queue_.DeadLetters().size() == 1; }));
  StopSoon(*pool);

  // The batch, then 2 per halving over 10 levels (the last split leaves the
  // event alone, tried max_refusals = 3 times).
  EXPECT_EQ(store_.CommitCalls(), 1u + 2u * 9u + 1u + 3u);
  EXPECT_EQ(store_.CallsContaining("e637"), 1u + 9u + 3u);
  EXPECT_EQ(StoredIds().count("e637"), 0u);
  EXPECT_EQ(metrics_.events_persisted.Value(), 999);
  EXPECT_EQ(metrics_.events_duplicate.Value(), 0);
  EXPECT_EQ(DeadLettered(DeadLetterReason::kRefused), 1);
  EXPECT_EQ(pool->Inflight(), 0);
}

TEST_F(WorkerPoolTest, BisectionSetsAsideEveryPoisonEventAndCommitsEachOtherOnce) {
  const std::set<std::string> poison = {"e0", "e17", "e18", "e63"};
  for (const std::string& id : poison) store_.RefuseEventId(id, "refused");
  PushEvents(64);
  auto pool = MakePool(1, 64);
  pool->Start();
  ASSERT_TRUE(WaitUntil([&] { return Drained(60) && queue_.DeadLetters().size() == 4; }));
  StopSoon(*pool);

  std::set<std::string> expected;
  for (int n = 0; n < 64; ++n) {
    if (poison.count("e" + std::to_string(n)) == 0) expected.insert("e" + std::to_string(n));
  }
  EXPECT_EQ(StoredIds(), expected);
  EXPECT_EQ(store_.StoredCount(), 60u);  // none twice
  EXPECT_EQ(metrics_.events_duplicate.Value(), 0);
  EXPECT_EQ(DeadLettered(DeadLetterReason::kRefused), 4);
  // At most 2 log2(64) = 12 transactions per poison event beyond the batch
  // and its 3 tries alone; one event at a time took 1 + 60 + 4 * 3 = 73.
  EXPECT_LE(store_.CommitCalls(), 1u + 4u * (12u + 2u));
  EXPECT_EQ(pool->Inflight(), 0);
}

TEST_F(WorkerPoolTest, ABatchOfNothingButPoisonIsDeadLetteredWhole) {
  for (int n = 0; n < 8; ++n) store_.RefuseEventId("e" + std::to_string(n), "refused");
  PushEvents(8);
  auto pool = MakePool(1, 8);
  pool->Start();
  ASSERT_TRUE(WaitUntil([&] { return Drained(0) && queue_.DeadLetters().size() == 8; }));
  StopSoon(*pool);
  // The batch, the 6 refused parts of 2 and 4 events, then each event 3 times.
  EXPECT_EQ(store_.CommitCalls(), 1u + 6u + 8u * 3u);
  EXPECT_EQ(DeadLettered(DeadLetterReason::kRefused), 8);
}

// An outage in the middle of a bisection is waited out like any other:
// nothing is dead-lettered for it, and nothing is lost.
TEST_F(WorkerPoolTest, AnOutageDuringBisectionIsRetriedNotDeadLettered) {
  store_.RefuseEventId("e5", "refused");
  std::atomic<int> commits{0};
  store_.SetCommitHook([&](const std::vector<Event>&) {
    if (++commits == 2) store_.FailNextCommits(2);  // the first half's commit and its retry
  });
  const std::vector<std::string> encoded = PushEvents(16);
  auto pool = MakePool(1, 16);
  pool->Start();
  ASSERT_TRUE(WaitUntil([&] { return Drained(15) && queue_.DeadLetters().size() == 1; }));
  StopSoon(*pool);
  EXPECT_EQ(DeadLettered(DeadLetterReason::kRefused), 1);
  EXPECT_EQ(queue_.DeadLetters()[0].encoded_event, encoded[5]);
  EXPECT_EQ(metrics_.events_persisted.Value(), 15);
}

// The interfaces promise no exceptions; one that escapes anyway restarts the
// worker, which claims its held batch again: nothing lost, nothing doubled.
TEST_F(WorkerPoolTest, AWorkerEndedByAnExceptionIsRestartedAndCountsEverything) {
  std::atomic<bool> thrown{false};
  store_.SetCommitHook([&thrown](const std::vector<Event>&) {
    if (!thrown.exchange(true)) throw std::runtime_error("injected: a library threw");
  });
  PushEvents(20);
  ThreadHealth health;
  auto pool = MakePool(1, 8, 0, &health);
  pool->Start();
  ASSERT_TRUE(WaitUntil([&] { return Drained(20); }));
  const ThreadHealth::Group workers = health.Snapshot()[static_cast<std::size_t>(ThreadGroup::kWorkers)];
  EXPECT_EQ(workers.restarts, 1);
  EXPECT_EQ(workers.expected, 1);
  EXPECT_EQ(workers.running, 1);
  EXPECT_FALSE(health.Degraded());
  EXPECT_EQ(pool->Inflight(), 0);
  StopSoon(*pool);
  EXPECT_EQ(metrics_.events_persisted.Value(), 20);
  EXPECT_EQ(health.Snapshot()[static_cast<std::size_t>(ThreadGroup::kWorkers)].running, 0);
}

TEST_F(WorkerPoolTest, UndecodableEntryIsDeadLettered) {
  PushEvents(1, 0);
  queue_.Push("not json at all");
  PushEvents(1, 1);
  queue_.FailNext(FakeQueue::Op::kDeadLetter, 2);  // Valkey blinks: retried
  auto pool = MakePool(1, 10);
  pool->Start();
  ASSERT_TRUE(WaitUntil([&] { return Drained(2) && queue_.DeadLetters().size() == 1; }));
  StopSoon(*pool);

  const auto dead = queue_.DeadLetters();
  EXPECT_EQ(dead[0].encoded_event, "not json at all");
  EXPECT_EQ(dead[0].reason.rfind("undecodable: ", 0), 0u) << dead[0].reason;
  EXPECT_EQ(queue_.Calls(FakeQueue::Op::kDeadLetter), 3u);
  EXPECT_EQ((StoredIds()), (std::set<std::string>{"e0", "e1"}));
  EXPECT_EQ(DeadLettered(DeadLetterReason::kUndecodable), 1);
  EXPECT_EQ(DeadLettered(DeadLetterReason::kRefused), 0);
}

TEST_F(WorkerPoolTest, ClaimFailuresAreRetried) {
  queue_.FailNext(FakeQueue::Op::kClaim, 3);
  PushEvents(5);
  auto pool = MakePool(1, 10);
  pool->Start();
  ASSERT_TRUE(WaitUntil([&] { return Drained(5); }));
  StopSoon(*pool);
}

TEST_F(WorkerPoolTest, FailedAckMeansRedeliveryCountedOnce) {
  queue_.FailNext(FakeQueue::Op::kAck, 3);  // every try of the first batch's Ack
  PushEvents(10);
  auto pool = MakePool(1, 10);
  pool->Start();
  ASSERT_TRUE(WaitUntil([&] { return Drained(10) && metrics_.events_duplicate.Value() == 10; }));
  StopSoon(*pool);
  EXPECT_EQ(metrics_.events_persisted.Value(), 10);
  EXPECT_EQ(store_.StoredCount(), 10u);
  // The redelivered batch met its own stored ids: one rerun, counted.
  EXPECT_EQ(metrics_.store_insert_reruns.Value(), 1);
}

TEST_F(WorkerPoolTest, StopDuringAnOutageReleasesTheBatch) {
  store_.FailNextCommits(1 << 30);
  const std::vector<std::string> encoded = PushEvents(15);
  auto pool = MakePool(1, 10);
  pool->Start();
  ASSERT_TRUE(WaitUntil([&] { return store_.CommitCalls() >= 3; }));

  const Clock::time_point deadline = Clock::now() + milliseconds(100);
  pool->Stop(deadline);
  EXPECT_LT(Clock::now(), deadline + std::chrono::seconds(5));  // joined, not hung

  EXPECT_EQ(queue_.Waiting(), encoded);  // handed back at the head, in order
  EXPECT_EQ(queue_.ClaimedCount(), 0u);
  EXPECT_EQ(queue_.Calls(FakeQueue::Op::kRelease), 1u);
  EXPECT_EQ(store_.StoredCount(), 0u);
  EXPECT_EQ(pool->Inflight(), 0);
}

TEST_F(WorkerPoolTest, StopLetsTheBatchInFlightFinish) {
  std::promise<void> entered;
  std::promise<void> resume;
  std::shared_future<void> resumed = resume.get_future().share();
  bool first = true;
  store_.SetCommitHook([&](const std::vector<Event>&) {
    if (!std::exchange(first, false)) return;  // only worker 0 commits: no race
    entered.set_value();
    resumed.wait();
  });
  PushEvents(15);
  auto pool = MakePool(1, 10);
  pool->Start();
  entered.get_future().wait();
  EXPECT_EQ(pool->Inflight(), 10);

  std::thread stopper([&] { StopSoon(*pool); });
  resume.set_value();
  stopper.join();

  // The held batch was committed and acked, not released. Whether the last
  // five were claimed depends on when Stop landed; either way none is lost.
  EXPECT_GE(store_.StoredCount(), 10u);
  EXPECT_EQ(store_.StoredCount() + queue_.Waiting().size(), 15u);
  EXPECT_EQ(queue_.Calls(FakeQueue::Op::kRelease), 0u);
  EXPECT_EQ(queue_.ClaimedCount(), 0u);
  EXPECT_EQ(pool->Inflight(), 0);
}

TEST_F(WorkerPoolTest, RestartsAfterStop) {
  auto pool = MakePool(2, 10);
  pool->Start();
  StopSoon(*pool);
  PushEvents(20);
  pool->Start();
  ASSERT_TRUE(WaitUntil([&] { return Drained(20); }));
  // The destructor stops the running workers.
}

}  // namespace
}  // namespace flagmeter
