#include "worker/batch_worker.hpp"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cassert>
#include <chrono>
#include <thread>
#include <utility>

#include "flagmeter/queue/event_codec.hpp"

namespace flagmeter::worker_internal {
namespace {

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

BatchWorker::BatchWorker(int index, const WorkerConfig& config, const WorkerRetryPolicy& retry,
                         std::unique_ptr<EventQueue> queue, std::unique_ptr<EventStore> store,
                         Metrics& metrics, StopSignal& stop, std::atomic<std::int64_t>& inflight)
    : index_(index),
      config_(config),
      retry_(retry),
      queue_(std::move(queue)),
      store_(std::move(store)),
      metrics_(metrics),
      stop_(stop),
      inflight_(inflight),
      claim_backoff_(retry.initial_backoff, retry.max_backoff) {}

void BatchWorker::Run() {
  while (!stop_.Requested()) {
    Result<std::vector<std::string>> claimed = queue_->Claim(config_.max_batch_size);
    if (!claimed.ok()) {
      WaitAfterClaimFailure(claimed.status());
      continue;
    }
    claim_backoff_.Reset();
    if (claimed->empty()) {
      stop_.WaitIdle(std::chrono::milliseconds(config_.idle_poll_ms));
      continue;
    }
    ProcessBatch(*claimed);
    // A partial batch means the queue is keeping up: let events gather for
    // a moment, so the next transaction carries more of them. Per-batch
    // costs (planning, commit, claim and ack) then stay small per event.
    if (claimed->size() < config_.max_batch_size && config_.linger_ms > 0) {
      stop_.WaitIdle(std::chrono::milliseconds(config_.linger_ms));
    }
  }
}

void BatchWorker::WaitAfterClaimFailure(const Status& status) {
  const std::chrono::milliseconds delay = claim_backoff_.Next();
  if (claim_backoff_.ShouldLog()) {
    spdlog::warn("worker {}: claim of up to {} events failed (failure {} in a row), retrying in {} ms: {}", index_,
                 config_.max_batch_size, claim_backoff_.failures(), delay.count(), status.ToString());
  }
  // Nothing is held: a stop may end the wait at once.
  stop_.WaitIdle(delay);
}

void BatchWorker::ProcessBatch(const std::vector<std::string>& claimed) {
  const auto size = static_cast<std::int64_t>(claimed.size());
  // Every way out of the previous ProcessBatch settled what was left of its
  // batch, so no event of it is still counted when this one is claimed.
  assert(unsettled_ == 0);
  unsettled_ = size;
  inflight_.fetch_add(size, std::memory_order_relaxed);

  Batch batch;
  try {
    if (Decode(claimed, batch) && CommitAll(batch)) {
      // Each claimed event was committed or dead-lettered, and settled once:
      // only then is the batch dropped from the queue.
      assert(unsettled_ == 0);
      AckBatch(claimed.size());
    } else {
      // A retry gives up only on events it has not settled, and only once
      // the stop deadline has passed: a batch goes back only then.
      assert(unsettled_ > 0 && stop_.PastDeadline());
      ReleaseBatch(claimed.size());
    }
  } catch (...) {
    // The batch stays in the processing list, and the restarted loop claims
    // it again first; until then it is not this worker's to count.
    Settle(unsettled_);
    throw;
  }
  Settle(unsettled_);
}

bool BatchWorker::Decode(const std::vector<std::string>& claimed, Batch& batch) {
  batch.events.reserve(claimed.size());
  batch.raw.reserve(claimed.size());
  for (const std::string& raw : claimed) {
    Result<Event> event = DecodeEvent(raw);
    if (event.ok()) {
      batch.events.push_back(std::move(event).value());
      batch.raw.push_back(&raw);
      continue;
    }
    spdlog::error("worker {}: dead-lettering an undecodable queue entry ({} bytes): {}", index_, raw.size(),
                  event.status().ToString());
    if (!DeadLetterWithRetry(raw, DeadLetterReason::kUndecodable,
                             "undecodable: " + event.status().message())) {
      return false;
    }
    Settle(1);
  }
  return true;
}

bool BatchWorker::CommitAll(const Batch& batch) {
  if (batch.events.empty()) return true;
  Status refusal;
  switch (CommitWithRetry(batch.events, refusal)) {
    case CommitResult::kCommitted:
      Settle(static_cast<std::int64_t>(batch.events.size()));
      return true;
    case CommitResult::kRefused:
      return Isolate(batch, refusal);
    case CommitResult::kGaveUp:
      return false;
  }
  return false;
}

bool BatchWorker::Isolate(const Batch& batch, const Status& refusal) {
  spdlog::warn(
      "worker {}: the store refused a batch of {} events; committing it in halves to set the "
      "poison aside: {}",
      index_, batch.events.size(), refusal.ToString());
  return Bisect(batch, 0, batch.events.size());
}

// One refused event among n costs two transactions per halving (the half
// without it commits, the half with it is refused and split again), about
// 2 log2(n) in all, where one event at a time cost n: the events of other
// tenants in the batch are committed, and the queue behind it moves on,
// after a bounded delay whatever the batch holds.
bool BatchWorker::Bisect(const Batch& batch, std::size_t first, std::size_t last) {
  const std::size_t middle = first + (last - first) / 2;
  return CommitRange(batch, first, middle) && CommitRange(batch, middle, last);
}

bool BatchWorker::CommitRange(const Batch& batch, std::size_t first, std::size_t last) {
  // The commits of a bisection can together outlast the lease: renewing
  // before each keeps the reaper from handing the batch to another consumer
  // meanwhile. A failed renewal is only logged: the commits go on, and a
  // lapsed lease costs a redelivery, not a count.
  if (const Status renewed = queue_->RenewLease(); !renewed.ok()) {
    spdlog::warn("worker {}: lease renewal failed while committing part of a refused batch: {}", index_,
                 renewed.ToString());
  }
  if (last - first == 1) return CommitOrDeadLetter(batch.events[first], *batch.raw[first]);
  const std::vector<Event> part(batch.events.begin() + static_cast<std::ptrdiff_t>(first),
                                batch.events.begin() + static_cast<std::ptrdiff_t>(last));
  Status refusal;
  switch (CommitWithRetry(part, refusal)) {
    case CommitResult::kCommitted:
      Settle(static_cast<std::int64_t>(part.size()));
      return true;
    case CommitResult::kRefused:
      return Bisect(batch, first, last);
    case CommitResult::kGaveUp:
      return false;
  }
  return false;
}

bool BatchWorker::CommitOrDeadLetter(const Event& event, const std::string& raw) {
  const std::vector<Event> single{event};
  Status refusal;
  for (int refusals = 1;; ++refusals) {
    const CommitResult result = CommitWithRetry(single, refusal);
    if (result == CommitResult::kCommitted) {
      Settle(1);
      return true;
    }
    if (result == CommitResult::kGaveUp) return false;
    if (refusals >= retry_.max_refusals) break;
  }
  spdlog::error("worker {}: event '{}' of tenant '{}' refused {} times, dead-lettering it: {}", index_,
                event.id, event.tenant, retry_.max_refusals, refusal.ToString());
  if (!DeadLetterWithRetry(raw, DeadLetterReason::kRefused, "refused by the store: " + refusal.message())) {
    return false;
  }
  Settle(1);
  return true;
}

BatchWorker::CommitResult BatchWorker::CommitWithRetry(const std::vector<Event>& events, Status& refusal) {
  Backoff backoff(retry_.initial_backoff, retry_.max_backoff);
  for (;;) {
    Result<CommitOutcome> outcome = store_->CommitBatch(events);
    if (outcome.ok()) {
      Record(events, *outcome);
      return CommitResult::kCommitted;
    }
    if (outcome.status().code() == Status::Code::kInvalidArgument) {
      refusal = outcome.status();
      return CommitResult::kRefused;
    }
    // Unavailable, Internal and the rest: the batch is kept and retried, so
    // its events wait in the processing list; nothing is lost.
    if (!PauseBeforeRetry(backoff, "commit", events.size(), outcome.status())) {
      return CommitResult::kGaveUp;
    }
  }
}

bool BatchWorker::DeadLetterWithRetry(const std::string& raw, DeadLetterReason reason,
                                      const std::string& detail) {
  Backoff backoff(retry_.initial_backoff, retry_.max_backoff);
  for (;;) {
    const Result<DeadLetterDrops> moved = queue_->DeadLetter(raw, reason, detail);
    if (moved.ok()) {
      metrics_.events_dead_lettered(reason).Increment();
      metrics_.dead_letters_dropped(DeadLetterReason::kUndecodable).Increment(static_cast<double>(moved->undecodable));
      metrics_.dead_letters_dropped(DeadLetterReason::kRefused).Increment(static_cast<double>(moved->refused));
      return true;
    }
    const Status& status = moved.status();
    const Status::Code code = status.code();
    if (code == Status::Code::kNotFound || code == Status::Code::kInvalidArgument) {
      // NotFound: the lease ran out and the reaper handed the batch to another
      // consumer, which will meet the same entry; retrying cannot succeed.
      spdlog::error(
          "worker {}: could not dead-letter a queue entry ({} bytes), leaving it to the "
          "queue: {}",
          index_, raw.size(), status.ToString());
      return true;
    }
    if (!PauseBeforeRetry(backoff, "dead-letter", 1, status)) return false;
  }
}

bool BatchWorker::PauseBeforeRetry(Backoff& backoff, const char* what, std::size_t batch_size,
                                   const Status& status) {
  const std::chrono::milliseconds delay = backoff.Next();
  if (backoff.ShouldLog()) {
    spdlog::warn("worker {}: {} of {} events failed (failure {} in a row), retrying in {} ms: {}", index_, what,
                 batch_size, backoff.failures(), delay.count(), status.ToString());
  }
  if (!stop_.WaitBeforeRetry(delay)) return false;
  // Keeps the reaper from handing the held batch to another consumer while
  // the outage lasts.
  if (const Status renewed = queue_->RenewLease(); !renewed.ok()) {
    spdlog::warn("worker {}: lease renewal failed while holding {} unsettled events: {}", index_, unsettled_,
                 renewed.ToString());
  }
  return true;
}

void BatchWorker::Record(const std::vector<Event>& events, const CommitOutcome& outcome) {
  metrics_.events_persisted.Increment(static_cast<double>(outcome.inserted));
  metrics_.events_duplicate.Increment(static_cast<double>(outcome.duplicates));
  if (outcome.sequence_regressions > 0) {
    metrics_.sequence_regressions.Increment(static_cast<double>(outcome.sequence_regressions));
    spdlog::error(
        "worker {}: {} re-sent events carried acceptance numbers below their stored copies' although they "
        "arrived later: the queue's counter went backwards (Valkey's clock?); the stored copies were kept",
        index_, outcome.sequence_regressions);
  }
  if (outcome.stored_id_reruns > 0) {
    metrics_.store_insert_reruns.Increment(static_cast<double>(outcome.stored_id_reruns));
  }
  metrics_.worker_batch_size.Observe(static_cast<double>(events.size()));
  const std::int64_t now_ms = NowMs();
  for (const Event& event : events) {
    const std::int64_t lag_ms = std::max<std::int64_t>(0, now_ms - event.received_at_ms);
    metrics_.ingest_lag_seconds.Observe(static_cast<double>(lag_ms) / 1000.0);
  }
}

void BatchWorker::AckBatch(std::size_t batch_size) {
  std::chrono::milliseconds delay = retry_.ack_backoff;
  Status status;
  for (int attempt = 1;; ++attempt) {
    status = queue_->Ack();
    if (status.ok()) return;
    if (attempt >= retry_.ack_attempts) break;
    std::this_thread::sleep_for(delay);
    delay *= 2;
  }
  spdlog::warn(
      "worker {}: ack of a committed batch of {} events failed {} times; the batch will "
      "be delivered again and the store's dedup will count it once: {}",
      index_, batch_size, retry_.ack_attempts, status.ToString());
}

void BatchWorker::ReleaseBatch(std::size_t batch_size) {
  const Status status = queue_->Release();
  if (status.ok()) {
    spdlog::warn(
        "worker {}: stop deadline passed before a batch of {} events was settled; "
        "handed it back to the queue",
        index_, batch_size);
  } else {
    spdlog::error(
        "worker {}: stop deadline passed with a batch of {} events unsettled and its "
        "release failed; the lease reaper will put it back: {}",
        index_, batch_size, status.ToString());
  }
}

void BatchWorker::Settle(std::int64_t events) {
  // Undecodable entries, commits and dead letters cover disjoint parts of
  // the batch, so no event is settled twice.
  assert(events <= unsettled_);
  if (events <= 0) return;
  unsettled_ -= events;
  [[maybe_unused]] const std::int64_t inflight = inflight_.fetch_sub(events, std::memory_order_relaxed);
  // inflight_ is the sum of every worker's unsettled events, each worker
  // adding its batch before settling any of it, and these are among them.
  assert(inflight >= events);
}

}  // namespace flagmeter::worker_internal
