// DESIGN
//
// Threads. Start() makes `concurrency` threads. Each owns one EventQueue (its
// own Valkey connection and consumer id) and one EventStore (its own
// PostgreSQL connection), made by the factories, so a worker's hot path takes
// no lock: the only shared state is the stop signal (looked at once per loop),
// the `inflight_` atomic and the Prometheus series. The loop of one worker is
// BatchWorker::Run (batch_worker.cpp).
//
// Batches. A worker claims up to `max_batch_size` events (one Lua script in
// Valkey) and commits them in ONE PostgreSQL transaction: batching is what
// makes the throughput, since the cost of a commit is mostly per transaction.
// An empty claim waits `idle_poll_ms` (cut short by Stop) before the next;
// a partial one `linger_ms`, so that under a steady load events gather into
// batches of hundreds rather than commits of a few (each commit costs about
// a millisecond of planning, WAL flush and Valkey round trips).
//
// Ordering. None across workers, and none is needed: the rollups are sums.
// Within a batch the store keeps the first event of a duplicated (tenant, id).
//
// Delivery. At least once: a claimed batch stays in the worker's processing
// list in Valkey until Ack(), which happens only after the PostgreSQL commit.
// A worker that dies, or loses its lease, has its batch put back by the
// reaper, and a failed Ack makes the next Claim return the same batch again.
// Either way the batch is committed again, and the store's (tenant, id)
// dedup makes that harmless: counting is exactly once.
//
// Retries. Unavailable and Internal from the store: capped exponential backoff
// with jitter (WorkerRetryPolicy: 100 ms doubling to 250 ms), RenewLease() between
// tries, the same batch kept: events wait, nothing is lost and nothing else
// is claimed meanwhile. A failed Claim backs off the same way. A failed Ack is
// retried a few times quickly, then left to redelivery (above).
//
// Poison. InvalidArgument means the database refused the data. The batch is
// then split in halves: a half that commits is done, a refused half is split
// again (Unavailable there is retried as above), so one bad event among n
// costs about 2 log2(n) transactions rather than n, and the events of other
// tenants in the batch wait that long at most. A single event refused
// `max_refusals` (3) times goes to the dead-letter list with the reason, and
// the rest is committed: one bad event never blocks the others. The lease is
// renewed before each of these commits. An entry that does not decode is
// dead-lettered before the commit.
//
// Inflight. `inflight_` counts events claimed and not yet settled (committed,
// dead-lettered or released). The workers do not touch
// Metrics::queue_inflight: the monitor samples Inflight() into it, and a
// second writer would race with that Set.
//
// Failure. A worker whose loop throws (the interfaces promise not to) is
// restarted by RunSupervised after a backoff, counted in ThreadHealth; the
// batch it held stays in its processing list and is claimed again first.
//
// Shutdown. Stop(deadline) asks every worker to stop claiming; a worker in the
// middle of a batch finishes it (commit + ack) if it can before the deadline.
// One still retrying at the deadline (PostgreSQL down) hands its batch back
// with Release(), in order, for another process. Then Stop joins the threads.
// A store or queue call already in progress is not interrupted; its own
// timeouts bound how late the join can be.

#include "flagmeter/worker/worker_pool.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <utility>

#include "flagmeter/core/thread_health.hpp"
#include "flagmeter/metrics/metrics.hpp"
#include "worker/batch_worker.hpp"
#include "worker/stop_signal.hpp"

namespace flagmeter {

WorkerPool::WorkerPool(WorkerConfig config, QueueFactory make_queue, StoreFactory make_store,
                       Metrics& metrics, WorkerRetryPolicy retry, ThreadHealth* health)
    : config_(std::move(config)),
      retry_(retry),
      health_(health),
      make_queue_(std::move(make_queue)),
      make_store_(std::move(make_store)),
      metrics_(metrics),
      stop_(std::make_unique<worker_internal::StopSignal>()) {}

WorkerPool::~WorkerPool() { Stop(std::chrono::steady_clock::now()); }

void WorkerPool::Start() {
  MutexLock lock(lifecycle_mu_);
  if (!threads_.empty()) return;
  stop_->Reset();
  const int concurrency = std::max(1, config_.concurrency);
  for (int index = 0; index < concurrency; ++index) {
    std::unique_ptr<EventQueue> queue = make_queue_();
    std::unique_ptr<EventStore> store = make_store_();
    if (queue == nullptr || store == nullptr) {
      spdlog::error("worker {}: not started: the {} factory returned nothing", index,
                    queue == nullptr ? "queue" : "store");
      continue;
    }
    // Counted as running before Start returns, so health never sees the
    // pool short of a thread that is only being created.
    auto worker = std::make_shared<worker_internal::BatchWorker>(index, config_, retry_, std::move(queue),
                                                                 std::move(store), metrics_, *stop_, inflight_);
    threads_.push_back(StartSupervised(health_, ThreadGroup::kWorkers, "fm-worker-" + std::to_string(index),
                                       [worker] { worker->Run(); }, [this] { return stop_->Requested(); }));
  }
  if (health_ != nullptr) health_->Expect(ThreadGroup::kWorkers, static_cast<int>(threads_.size()));
  spdlog::info("worker pool: {} workers started (batch size {}, idle poll {} ms)", threads_.size(),
               config_.max_batch_size, config_.idle_poll_ms);
}

void WorkerPool::Stop(std::chrono::steady_clock::time_point deadline) {
  MutexLock lock(lifecycle_mu_);
  if (threads_.empty()) return;
  stop_->Request(deadline);
  for (std::thread& thread : threads_) thread.join();
  if (health_ != nullptr) health_->Expect(ThreadGroup::kWorkers, 0);
  spdlog::info("worker pool: {} workers stopped, {} events in flight", threads_.size(), Inflight());
  threads_.clear();
}

std::int64_t WorkerPool::Inflight() const { return inflight_.load(std::memory_order_relaxed); }

}  // namespace flagmeter
