#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "flagmeter/config/config.hpp"
#include "flagmeter/core/event.hpp"
#include "flagmeter/core/status.hpp"
#include "flagmeter/metrics/metrics.hpp"
#include "flagmeter/queue/event_queue.hpp"
#include "flagmeter/store/event_store.hpp"
#include "flagmeter/worker/worker_pool.hpp"
#include "worker/backoff.hpp"
#include "worker/stop_signal.hpp"

namespace flagmeter::worker_internal {

/// One worker's loop: claim, decode, commit (with retries and poison
/// isolation by bisection), ack, until the stop signal. The protocol is described at the
/// top of worker_pool.cpp. Owned by one worker thread.
class BatchWorker final {
 public:
  /// `metrics`, `stop` and `inflight` are the pool's and must outlive Run.
  BatchWorker(int index, const WorkerConfig& config, const WorkerRetryPolicy& retry,
              std::unique_ptr<EventQueue> queue, std::unique_ptr<EventStore> store, Metrics& metrics,
              StopSignal& stop, std::atomic<std::int64_t>& inflight);
  /// Returns any events still counted as in flight (only an exception can
  /// leave some).
  ~BatchWorker() { Settle(unsettled_); }
  BatchWorker(const BatchWorker&) = delete;
  BatchWorker& operator=(const BatchWorker&) = delete;

  /// Blocking: returns once a stop is requested and the current batch is
  /// done (committed and acked, or released at the deadline).
  void Run();

 private:
  // The decoded part of a claimed batch; raw[i] is the queue entry of events[i].
  struct Batch {
    std::vector<Event> events;
    std::vector<const std::string*> raw;
  };
  enum class CommitResult { kCommitted, kRefused, kGaveUp };

  void ProcessBatch(const std::vector<std::string>& claimed);
  bool Decode(const std::vector<std::string>& claimed, Batch& batch);
  bool CommitAll(const Batch& batch);
  bool Isolate(const Batch& batch, const Status& refusal);
  // Commits events [first, last) of `batch`, a range the store refused as a
  // whole, as two halves; a refused half is split again, down to single
  // events, which CommitOrDeadLetter settles.
  bool Bisect(const Batch& batch, std::size_t first, std::size_t last);
  bool CommitRange(const Batch& batch, std::size_t first, std::size_t last);
  bool CommitOrDeadLetter(const Event& event, const std::string& raw);
  CommitResult CommitWithRetry(const std::vector<Event>& events, Status& refusal);
  // `reason` picks the counter; `detail` is the text stored with the entry.
  bool DeadLetterWithRetry(const std::string& raw, DeadLetterReason reason, const std::string& detail);
  bool PauseBeforeRetry(Backoff& backoff, const char* what, std::size_t batch_size, const Status& status);
  void Record(const std::vector<Event>& events, const CommitOutcome& outcome);
  void AckBatch(std::size_t batch_size);
  void ReleaseBatch(std::size_t batch_size);
  void Settle(std::int64_t events);
  void WaitAfterClaimFailure(const Status& status);

  // Constant after construction.
  const int index_;
  const WorkerConfig& config_;
  const WorkerRetryPolicy& retry_;
  const std::unique_ptr<EventQueue> queue_;
  const std::unique_ptr<EventStore> store_;

  // Shared with the pool; provide their own synchronization.
  Metrics& metrics_;
  StopSignal& stop_;
  std::atomic<std::int64_t>& inflight_;

  Backoff claim_backoff_;
  std::int64_t unsettled_ = 0;  // events of the current batch still counted in inflight_
};

}  // namespace flagmeter::worker_internal
