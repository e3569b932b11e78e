#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

#include "flagmeter/core/mutex.hpp"
#include "flagmeter/core/status.hpp"
#include "flagmeter/core/thread_health.hpp"
#include "flagmeter/monitor/health_snapshot.hpp"
#include "flagmeter/queue/dead_letter_store.hpp"

namespace flagmeter {

class Metrics;

/// What the monitor asks of the outside world. Each probe is called only on
/// the monitor thread and owns its own connection; each may block.
struct MonitorProbes {
  std::function<Result<std::int64_t>()> queue_depth;      // events waiting; fails when Valkey is down
  std::function<Status()> ping_database;                   // fails when PostgreSQL is down
  std::function<std::int64_t()> inflight;                  // events this process's workers hold
  std::function<Result<DeadLetterCounts>()> dead_letters;  // records in the dead-letter list; may be empty
  // Checks the hot standby's lag and routes reads by it (ReadRoute); empty
  // without DATABASE_READ_URL. Runs here, never on an io or query thread.
  std::function<void()> check_read_replica;
};

/// Owns one background thread that, every `interval`, samples queue depth,
/// inflight and the dead letters per reason into the metrics, checks
/// PostgreSQL and Valkey, and the hot standby's lag when there is one. Keeps all of that off the request path. (Putting
/// back the batches of consumers whose lease ran out is LeaseReaper's.)
/// Thread-safe.
class BackgroundMonitor final {
 public:
  /// `threads` (may be null) is read by Health(); its monitor thread is
  /// supervised there too.
  BackgroundMonitor(MonitorProbes probes, Metrics& metrics, std::chrono::milliseconds interval,
                    ThreadHealth* threads = nullptr);
  ~BackgroundMonitor();
  BackgroundMonitor(const BackgroundMonitor&) = delete;
  BackgroundMonitor& operator=(const BackgroundMonitor&) = delete;

  /// Runs the first round on the calling thread (so health is known before
  /// the server accepts), then starts the thread.
  void Start();
  void Stop();

  HealthSnapshot Health() const;

 private:
  void RunOnce();
  void SampleDeadLetters();
  void Run();

  // Constant after construction.
  const MonitorProbes probes_;
  Metrics& metrics_;
  const std::chrono::milliseconds interval_;
  ThreadHealth* const threads_;

  std::atomic<bool> database_up_{false};
  std::atomic<bool> valkey_up_{false};

  Mutex mu_;
  CondVar wake_;
  bool stopping_ FM_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace flagmeter
