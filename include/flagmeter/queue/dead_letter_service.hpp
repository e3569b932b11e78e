#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "flagmeter/queue/dead_letter_store.hpp"

namespace flagmeter {

/// Runs the admin API's dead-letter calls off the io threads: one thread
/// (made in Start, joined in Stop) with its own DeadLetterStore (its own
/// Valkey connection), so a listing or a redrive never waits behind a
/// worker. Thread-safe.
class DeadLetterService final {
 public:
  using StoreFactory = std::function<std::unique_ptr<DeadLetterStore>()>;
  /// Runs on the service's thread with its store, or with nullptr when the
  /// job could not run (queue full, shutting down): it must then answer its
  /// caller with Unavailable. Must not throw.
  using Job = std::function<void(DeadLetterStore*)>;

  /// At most `max_queued` jobs wait; more are refused at once.
  explicit DeadLetterService(StoreFactory make_store, std::size_t max_queued = 100);
  ~DeadLetterService();
  DeadLetterService(const DeadLetterService&) = delete;
  DeadLetterService& operator=(const DeadLetterService&) = delete;

  void Start();
  /// Finishes the job running, refuses (nullptr) the queued ones, joins the thread.
  void Stop();

  /// Queues `job`; it runs exactly once (possibly inline with nullptr when
  /// refused). Never blocks on Valkey.
  void Post(Job job);

 private:
  void Run();

  // Constant after construction.
  const StoreFactory make_store_;
  const std::size_t max_queued_;

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;      // guarded by mu_
  bool stopping_ = false;     // guarded by mu_
  bool running_ = false;      // guarded by mu_
  std::thread thread_;        // owned by Start/Stop's caller
};

}  // namespace flagmeter
