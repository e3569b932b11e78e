#pragma once

#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "flagmeter/core/mutex.hpp"
#include "flagmeter/core/status.hpp"
#include "flagmeter/core/thread_health.hpp"

namespace flagmeter {

/// How a WorkPool is named, sized and bounded.
struct WorkPoolOptions {
  ThreadGroup group = ThreadGroup::kAdmin;  // its health and metric label
  std::string name;                         // "admin": threads are fm-admin-0, ...; errors start "admin: "
  int threads = 1;
  std::size_t max_queued = 1000;  // jobs waiting for a thread; more are refused with Overloaded
  std::string queue_setting;      // the option that sets max_queued, named in refusals ("ADMIN_QUEUE"); may be empty
  ThreadHealth* health = nullptr; // may be null: not counted
  RestartBackoff backoff = RestartBackoff();
};

/// The one shape of every thread pool that serves jobs for the io threads:
/// `threads` threads (made in Start, joined in Stop), each with its own
/// Resource (a connection) made on that thread, serving a FIFO of at most
/// `max_queued` jobs. A job that throws is answered through its `abandon`
/// with Internal, and its thread is restarted after a backoff with a fresh
/// Resource (RunSupervised: counted, and "degraded" in /api/health while it
/// waits). Thread-safe.
template <typename Resource>
class WorkPool final {
 public:
  using Factory = std::function<std::unique_ptr<Resource>()>;
  /// Exactly one of `run` (on a pool thread) and `abandon` (queued when the
  /// pool stops, or after `run` threw) is called for each accepted job.
  /// `run` answers its caller last, so a throw never leaves it answered twice.
  struct Job {
    std::function<void(Resource&)> run;
    std::function<void(const Status&)> abandon;
  };

  WorkPool(WorkPoolOptions options, Factory make_resource)
      : options_(std::move(options)), make_resource_(std::move(make_resource)) {}
  ~WorkPool() { Stop(); }
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  /// Starts the threads; does nothing while they run.
  void Start() {
    MutexLock lock(mu_);
    if (!threads_.empty()) return;
    stopping_ = false;
    if (options_.health != nullptr) options_.health->Expect(options_.group, options_.threads);
    for (int i = 0; i < options_.threads; ++i) {
      threads_.push_back(StartSupervised(options_.health, options_.group,
                                         "fm-" + options_.name + "-" + std::to_string(i), [this] { ServeJobs(); },
                                         [this] { return Stopping(); }, options_.backoff));
    }
  }

  /// Lets running jobs finish, abandons the queued ones with Unavailable and
  /// joins the threads. Idempotent; later jobs are refused until Start.
  void Stop() {
    std::deque<Job> abandoned;
    std::vector<std::thread> threads;
    {
      MutexLock lock(mu_);
      stopping_ = true;
      abandoned.swap(jobs_);
      threads.swap(threads_);
    }
    wake_.NotifyAll();
    const Status stopped = Status::Unavailable(options_.name + ": shutting down");
    for (Job& job : abandoned) job.abandon(stopped);
    for (std::thread& thread : threads) thread.join();
    if (!threads.empty() && options_.health != nullptr) options_.health->Expect(options_.group, 0);
  }

  /// Queues `job`, or refuses it without calling it: Unavailable while the
  /// pool is not running, Overloaded when `max_queued` jobs wait. Never blocks
  /// on the job's work.
  Status TryPost(Job job) { return Enqueue(job); }

  /// TryPost, answering a refusal through `job.abandon` at once (inline).
  void Post(Job job) {
    if (Status queued = Enqueue(job); !queued.ok()) job.abandon(queued);
  }

  std::size_t Queued() const {
    MutexLock lock(mu_);
    return jobs_.size();
  }

 private:
  // Moves `job` into the queue, or leaves it as it was and says why not.
  Status Enqueue(Job& job) FM_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    if (stopping_ || threads_.empty()) return Status::Unavailable(options_.name + ": not running (shutting down)");
    if (jobs_.size() >= options_.max_queued) {
      const std::string setting = options_.queue_setting.empty() ? "" : " (" + options_.queue_setting + ")";
      return Status::Overloaded(options_.name + ": " + std::to_string(jobs_.size()) + " jobs are waiting already" +
                                setting);
    }
    jobs_.push_back(std::move(job));
    wake_.NotifyOne();
    return Status::Ok();
  }

  bool Stopping() const FM_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    return stopping_;
  }

  // One thread's loop under RunSupervised: returns when the pool stops,
  // throws what a job threw (after answering it) so the thread restarts.
  void ServeJobs() {
    std::unique_ptr<Resource> resource = make_resource_();
    MutexLock lock(mu_);
    while (true) {
      wake_.Wait(mu_, [this]() FM_REQUIRES(mu_) { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;  // Stop abandons what is queued
      Job job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.Unlock();
      try {
        job.run(*resource);
      } catch (const std::exception& error) {
        job.abandon(Status::Internal(options_.name + ": a job failed: " + error.what()));
        throw;
      } catch (...) {
        job.abandon(Status::Internal(options_.name + ": a job failed with an exception of unknown type"));
        throw;
      }
      lock.Lock();
    }
  }

  // Constant after construction.
  const WorkPoolOptions options_;
  const Factory make_resource_;

  mutable Mutex mu_;
  CondVar wake_;
  std::deque<Job> jobs_ FM_GUARDED_BY(mu_);
  bool stopping_ FM_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_ FM_GUARDED_BY(mu_);  // joined by Stop
};

}  // namespace flagmeter
