#pragma once

#include <chrono>
#include <cstddef>
#include <functional>

#include "flagmeter/config/config.hpp"
#include "flagmeter/core/mutex.hpp"
#include "flagmeter/core/status.hpp"
#include "flagmeter/core/thread_health.hpp"

namespace flagmeter {

/// Puts back the batches of consumers whose lease ran out and returns the
/// number of events put back; Unavailable while Valkey cannot be reached.
/// Called only on the reaper thread; may block.
using ReapExpiredLeases = std::function<Result<std::size_t>()>;

/// Makes the reap one run of the reaper thread uses, so that a thread
/// restarted after an exception starts over with a new connection.
using MakeReap = std::function<ReapExpiredLeases()>;

/// The reap of the Valkey queue `queue.name`: QueueReaper::RequeueExpired on
/// a QueueReaper (and so a Valkey connection) of its own.
ReapExpiredLeases ValkeyLeaseReap(const QueueConfig& queue);

/// The part of the queue's exactly-once machinery no consumer can do for
/// itself: a consumer that crashed or hung keeps its batch in its processing
/// list until someone hands it back (the DESIGN comment in valkey_queue.cpp).
/// One supervised thread (group kLeaseReaper, "fm-reaper") reaps as soon as
/// it starts, so leftovers of a previous run come back at start-up, and then
/// every `period`. A failed reap is logged and tried again a period later;
/// while Valkey is unreachable the reaper logs the outage and the recovery
/// once each, not once per period. Thread-safe.
class LeaseReaper final {
 public:
  /// How often the service reaps: a dead consumer's batch is back in the
  /// queue at most this long after its lease (QUEUE_LEASE_MS) ran out.
  static constexpr std::chrono::milliseconds kDefaultPeriod{5000};

  /// `health` (may be null) counts the reaper thread and its restarts.
  LeaseReaper(MakeReap make_reap, std::chrono::milliseconds period, ThreadHealth* health = nullptr);
  ~LeaseReaper();
  LeaseReaper(const LeaseReaper&) = delete;
  LeaseReaper& operator=(const LeaseReaper&) = delete;

  /// Starts the reaper thread unless it runs; its first reap follows at once.
  void Start();
  /// Wakes the reaper thread and joins it after its current reap, if any.
  /// Does nothing when it does not run.
  void Stop();

 private:
  void Run();
  void ReapOnce(const ReapExpiredLeases& reap);
  bool Stopping();

  // Constant after construction.
  const MakeReap make_reap_;
  const std::chrono::milliseconds period_;

  bool valkey_reachable_ = true;  // used only by the reaper thread

  Mutex mu_;
  CondVar wake_;
  bool stopping_ FM_GUARDED_BY(mu_) = false;
  SupervisedThread thread_;  // the reaper thread; Start/Stop's
};

}  // namespace flagmeter
