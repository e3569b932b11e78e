#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>
#include <utility>

// Lock annotations that clang checks with -Wthread-safety (the clang build of
// fuzz/ makes every violation an error); GCC ignores them. On data:
// FM_GUARDED_BY(mu_) says a member may only be touched with mu_ held. On
// functions: FM_REQUIRES(mu_) (the caller holds it), FM_EXCLUDES(mu_) (the
// caller must not: the function takes it), FM_ACQUIRE/FM_RELEASE (it takes or
// drops it). std::mutex carries no annotations in libstdc++, hence Mutex.
#if defined(__clang__)
#define FM_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define FM_THREAD_ANNOTATION(x)
#endif

#define FM_CAPABILITY(x) FM_THREAD_ANNOTATION(capability(x))
#define FM_SCOPED_CAPABILITY FM_THREAD_ANNOTATION(scoped_lockable)
#define FM_GUARDED_BY(x) FM_THREAD_ANNOTATION(guarded_by(x))
#define FM_PT_GUARDED_BY(x) FM_THREAD_ANNOTATION(pt_guarded_by(x))
#define FM_REQUIRES(...) FM_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define FM_REQUIRES_SHARED(...) FM_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define FM_EXCLUDES(...) FM_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define FM_ACQUIRE(...) FM_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define FM_ACQUIRE_SHARED(...) FM_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define FM_RELEASE(...) FM_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define FM_RELEASE_SHARED(...) FM_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define FM_NO_THREAD_SAFETY_ANALYSIS FM_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace flagmeter {

/// std::mutex as a capability the analysis knows. Hold it through MutexLock.
class FM_CAPABILITY("mutex") Mutex final {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() FM_ACQUIRE() { mu_.lock(); }
  void Unlock() FM_RELEASE() { mu_.unlock(); }

 private:
  friend class CondVar;
  std::mutex mu_;
};

/// std::shared_mutex as a capability: many readers or one writer. Hold it
/// through ReaderMutexLock or WriterMutexLock.
class FM_CAPABILITY("shared mutex") SharedMutex final {
 public:
  SharedMutex() = default;
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;

  void Lock() FM_ACQUIRE() { mu_.lock(); }
  void Unlock() FM_RELEASE() { mu_.unlock(); }
  void ReaderLock() FM_ACQUIRE_SHARED() { mu_.lock_shared(); }
  void ReaderUnlock() FM_RELEASE_SHARED() { mu_.unlock_shared(); }

 private:
  std::shared_mutex mu_;
};

/// Holds a Mutex for its scope. Unlock and Lock drop and retake it inside
/// the scope (for a blocking call made without the lock); the destructor
/// releases it only if held.
class FM_SCOPED_CAPABILITY MutexLock final {
 public:
  explicit MutexLock(Mutex& mu) FM_ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~MutexLock() FM_RELEASE() {
    if (held_) mu_.Unlock();
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  void Unlock() FM_RELEASE() {
    mu_.Unlock();
    held_ = false;
  }
  void Lock() FM_ACQUIRE() {
    mu_.Lock();
    held_ = true;
  }

 private:
  Mutex& mu_;
  bool held_ = true;
};

/// Holds a SharedMutex exclusively for its scope.
class FM_SCOPED_CAPABILITY WriterMutexLock final {
 public:
  explicit WriterMutexLock(SharedMutex& mu) FM_ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~WriterMutexLock() FM_RELEASE() { mu_.Unlock(); }
  WriterMutexLock(const WriterMutexLock&) = delete;
  WriterMutexLock& operator=(const WriterMutexLock&) = delete;

 private:
  SharedMutex& mu_;
};

/// Holds a SharedMutex shared for its scope.
class FM_SCOPED_CAPABILITY ReaderMutexLock final {
 public:
  explicit ReaderMutexLock(SharedMutex& mu) FM_ACQUIRE_SHARED(mu) : mu_(mu) { mu_.ReaderLock(); }
  ~ReaderMutexLock() FM_RELEASE() { mu_.ReaderUnlock(); }
  ReaderMutexLock(const ReaderMutexLock&) = delete;
  ReaderMutexLock& operator=(const ReaderMutexLock&) = delete;

 private:
  SharedMutex& mu_;
};

/// std::condition_variable for a Mutex the caller holds (through a
/// MutexLock). A wait drops the mutex while it sleeps and holds it again when
/// it returns, as std::condition_variable does. A predicate reads guarded
/// members, so declare the lock it runs under:
///   wake_.Wait(mu_, [this]() FM_REQUIRES(mu_) { return stopping_; });
/// (the analysis cannot follow the predicate into the wait, so Wait's body is
/// not checked; the predicate's is.)
class CondVar final {
 public:
  CondVar() = default;
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  void NotifyOne() { cv_.notify_one(); }
  void NotifyAll() { cv_.notify_all(); }

  template <typename Predicate>
  void Wait(Mutex& mu, Predicate done) FM_REQUIRES(mu) FM_NO_THREAD_SAFETY_ANALYSIS {
    Adopted held(mu);
    cv_.wait(held.lock, std::move(done));
  }

  /// False when `timeout` passed with `done` still false.
  template <typename Rep, typename Period, typename Predicate>
  bool WaitFor(Mutex& mu, std::chrono::duration<Rep, Period> timeout, Predicate done)
      FM_REQUIRES(mu) FM_NO_THREAD_SAFETY_ANALYSIS {
    Adopted held(mu);
    return cv_.wait_for(held.lock, timeout, std::move(done));
  }

  /// False when `until` passed with `done` still false.
  template <typename Clock, typename Duration, typename Predicate>
  bool WaitUntil(Mutex& mu, std::chrono::time_point<Clock, Duration> until, Predicate done)
      FM_REQUIRES(mu) FM_NO_THREAD_SAFETY_ANALYSIS {
    Adopted held(mu);
    return cv_.wait_until(held.lock, until, std::move(done));
  }

  /// Wakes at `until` or on a notification (or spuriously).
  template <typename Clock, typename Duration>
  std::cv_status WaitUntil(Mutex& mu, std::chrono::time_point<Clock, Duration> until)
      FM_REQUIRES(mu) FM_NO_THREAD_SAFETY_ANALYSIS {
    Adopted held(mu);
    return cv_.wait_until(held.lock, until);
  }

 private:
  // The caller's hold on `mu` lent to std::condition_variable for one wait
  // and handed back, held, whatever the wait does (a predicate may throw).
  struct Adopted {
    explicit Adopted(Mutex& mu) : lock(mu.mu_, std::adopt_lock) {}
    ~Adopted() { lock.release(); }
    std::unique_lock<std::mutex> lock;
  };

  std::condition_variable cv_;
};

}  // namespace flagmeter
