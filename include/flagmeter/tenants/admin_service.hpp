#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "flagmeter/store/tenant_store.hpp"

namespace flagmeter {

/// Runs tenant admin calls off the io threads. Owns `threads` admin threads
/// (made in Start, joined in Stop), each with its own TenantStore (its own
/// PostgreSQL connection), so an admin call never waits behind a worker's
/// batch or a usage read. Thread-safe.
class AdminService final {
 public:
  using StoreFactory = std::function<std::unique_ptr<TenantStore>()>;
  /// Runs on an admin thread with that thread's store, or with nullptr when
  /// the job could not run (queue full, shutting down): it must then answer
  /// its caller with Unavailable. Must not throw.
  using Job = std::function<void(TenantStore*)>;

  /// At most `max_queued` jobs wait; more are refused at once.
  AdminService(int threads, StoreFactory make_store, std::size_t max_queued = 1000);
  ~AdminService();
  AdminService(const AdminService&) = delete;
  AdminService& operator=(const AdminService&) = delete;

  void Start();
  /// Finishes the jobs already running, refuses (nullptr) the queued ones,
  /// joins the threads.
  void Stop();

  /// Queues `job`; it runs exactly once (possibly inline with nullptr when
  /// refused). Never blocks on the database.
  void Post(Job job);

 private:
  void RunThread();

  // Constant after construction.
  const int thread_count_;
  const StoreFactory make_store_;
  const std::size_t max_queued_;

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;               // guarded by mu_
  bool stopping_ = false;              // guarded by mu_
  std::vector<std::thread> threads_;   // owned by Start/Stop's caller
};

}  // namespace flagmeter
