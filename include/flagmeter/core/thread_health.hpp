#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace flagmeter {

/// The process's thread groups, each owned by one class (its Start/Stop).
/// A fixed set: their names are metric label values.
enum class ThreadGroup : std::size_t {
  kPusher,          // ValkeyPusher: Valkey pushes for the io threads
  kWorkers,         // WorkerPool: queue -> PostgreSQL
  kUsageReaders,    // UsageService: usage reads
  kHistoryReaders,  // HistoryService: usage series and dashboard data
  kAdmin,           // the admin WorkPool: admin calls
  kKeyRegistry,     // KeyRegistry: API key look-ups and refreshes
  kAlertMonitor,    // AlertMonitor: quota thresholds
  kAlertSenders,    // AlertSender: webhook deliveries
  kMonitor,         // BackgroundMonitor: gauges, health
  kTenantCreator,   // TenantCreator: tenants named by events
  kDeadLetters,     // the dead-letter WorkPool: the admin API's dead-letter calls
  kLeaseReaper,     // LeaseReaper: batches of consumers whose lease ran out
  kLedger,          // LedgerMaintenance: raw-event partitions, retention, the ledger clock
};
inline constexpr std::size_t kThreadGroupCount = 13;

/// "pusher", "workers", "usage_readers", ... (the metric label value).
std::string_view ThreadGroupName(ThreadGroup group);

/// How many threads of each group should run, how many do, and how often one
/// was restarted after an exception. /api/health reports "degraded" while a
/// group runs fewer threads than expected, and /metrics shows the counts.
/// Thread-safe (atomics only).
class ThreadHealth final {
 public:
  struct Group {
    ThreadGroup group;
    int expected = 0;
    int running = 0;
    std::int64_t restarts = 0;
  };

  /// A group's owner declares how many threads it starts (0 when it stops).
  void Expect(ThreadGroup group, int threads);
  void Started(ThreadGroup group);
  void Stopped(ThreadGroup group);
  void Restarted(ThreadGroup group);

  /// Every group, in enum order.
  std::vector<Group> Snapshot() const;
  /// True while some group runs fewer threads than it expects.
  bool Degraded() const;

 private:
  struct Counts {
    std::atomic<int> expected{0};
    std::atomic<int> running{0};
    std::atomic<std::int64_t> restarts{0};
  };
  std::array<Counts, kThreadGroupCount> groups_;
};

/// Waits between restarts: 100 ms, doubling to 5 s.
struct RestartBackoff {
  std::chrono::milliseconds initial{100};
  std::chrono::milliseconds max{5000};
};

/// Runs `loop` on the calling thread as one thread of `group`. When `loop`
/// throws, the error is logged with `thread_name`, the restart counted, and
/// after a backoff (cut short when `stopping()` turns true) `loop` runs again:
/// no thread dies silently. Returns when `loop` returns, or when it threw and
/// `stopping()` is true. `health` may be null (no counting).
void RunSupervised(ThreadHealth* health, ThreadGroup group, const std::string& thread_name,
                   const std::function<void()>& loop, const std::function<bool()>& stopping,
                   RestartBackoff backoff = RestartBackoff());

/// A new thread running RunSupervised(...), returned once it counts as
/// running in `health`: a group whose threads are only being created never
/// shows as short of them.
std::thread StartSupervised(ThreadHealth* health, ThreadGroup group, std::string thread_name,
                            std::function<void()> loop, std::function<bool()> stopping,
                            RestartBackoff backoff = RestartBackoff());

/// The one thread of a group whose owner starts it in Start and joins it in
/// Stop: expected in `health` while it runs, supervised by RunSupervised.
/// Not thread-safe: the owner calls it under its own lock or from one thread.
class SupervisedThread final {
 public:
  SupervisedThread(ThreadHealth* health, ThreadGroup group, std::string name)
      : health_(health), group_(group), name_(std::move(name)) {}
  ~SupervisedThread() { Join(); }
  SupervisedThread(const SupervisedThread&) = delete;
  SupervisedThread& operator=(const SupervisedThread&) = delete;

  /// Starts `loop` unless the thread runs; returns once it counts as running.
  void Start(std::function<void()> loop, std::function<bool()> stopping);
  /// Waits for the thread to end (its owner has made `stopping` true and
  /// woken it), then expects none. Does nothing when it does not run.
  void Join();
  bool running() const { return thread_.joinable(); }

 private:
  ThreadHealth* const health_;  // may be null
  const ThreadGroup group_;
  const std::string name_;
  std::thread thread_;
};

}  // namespace flagmeter
