#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "flagmeter/config/config.hpp"
#include "flagmeter/core/mutex.hpp"
#include "flagmeter/core/thread_health.hpp"
#include "flagmeter/queue/event_queue.hpp"
#include "flagmeter/store/event_store.hpp"

namespace flagmeter {

class Metrics;

namespace worker_internal {
class StopSignal;
}  // namespace worker_internal

/// Timing of the workers' retries. The defaults are the production values;
/// tests shorten the waits.
struct WorkerRetryPolicy {
  std::chrono::milliseconds initial_backoff{100};  // first wait after a failed claim or commit
  // The doubling stops here (before jitter): once PostgreSQL or Valkey is
  // back, the workers try their held batches again within a quarter of a
  // second. A refused connection costs the server next to nothing, and only
  // some failures are logged (Backoff::ShouldLog).
  std::chrono::milliseconds max_backoff{250};
  int max_refusals = 3;                            // InvalidArgument answers before an event is dead-lettered
  int ack_attempts = 3;                       // tries of Ack before the batch is left to the lease reaper
  std::chrono::milliseconds ack_backoff{20};  // first wait between Ack tries (doubles)
};

/// Drains the queue into the store. Owns `config.concurrency` worker threads
/// (created in Start, joined in Stop); each worker owns one EventQueue and one
/// EventStore made by the factories, so the hot path takes no locks. Delivery
/// is at least once (an event leaves the queue only after its commit) and the
/// store's (tenant, id) dedup makes the counting exactly once. The protocol is
/// described at the top of worker_pool.cpp. Thread-safe.
class WorkerPool final {
 public:
  /// Called `config.concurrency` times by Start, on the thread calling Start.
  /// A null result is logged and that worker is not started.
  using QueueFactory = std::function<std::unique_ptr<EventQueue>()>;
  using StoreFactory = std::function<std::unique_ptr<EventStore>()>;

  /// `metrics` and `health` (may be null) must outlive the pool. A worker
  /// whose loop throws is restarted after a backoff and counted in `health`.
  WorkerPool(WorkerConfig config, QueueFactory make_queue, StoreFactory make_store, Metrics& metrics,
             WorkerRetryPolicy retry = WorkerRetryPolicy(), ThreadHealth* health = nullptr);
  ~WorkerPool();  // Stops if running, with a deadline of now (commits in flight still finish)
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  /// Starts the workers. No-op when already running; may be called again
  /// after Stop.
  void Start();

  /// Stops claiming, lets each worker finish its current batch (commit + ack)
  /// until `deadline`; a worker still unable to commit then (e.g. PostgreSQL
  /// down) hands its batch back with Release(). Joins all threads. Blocking:
  /// returns shortly after `deadline` at the latest, unless a store or queue
  /// call in progress blocks longer (their own timeouts bound that).
  void Stop(std::chrono::steady_clock::time_point deadline);

  /// Events claimed by this process's workers and not yet committed,
  /// dead-lettered or released. The pool does not set Metrics::queue_inflight:
  /// whoever samples the gauges reads this.
  std::int64_t Inflight() const;

 private:

  // Constant after construction.
  const WorkerConfig config_;
  const WorkerRetryPolicy retry_;
  ThreadHealth* const health_;
  const QueueFactory make_queue_;
  const StoreFactory make_store_;
  Metrics& metrics_;

  // Provide their own synchronization.
  std::unique_ptr<worker_internal::StopSignal> stop_;
  std::atomic<std::int64_t> inflight_{0};

  Mutex lifecycle_mu_;  // serialises Start and Stop
  std::vector<std::thread> threads_ FM_GUARDED_BY(lifecycle_mu_);
};

}  // namespace flagmeter
