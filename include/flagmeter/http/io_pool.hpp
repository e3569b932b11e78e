#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace flagmeter {

/// The io threads: one io_context per thread, each run by exactly that
/// thread (fm-io-<n>). A connection lives on one of them for its whole life,
/// so its reads, writes, timers and coroutine never run concurrently and
/// need no strand; the threads share no scheduler lock and do not wake each
/// other for each other's sockets. Other threads (the pusher, query and
/// admin threads) only post completions to a connection's context.
class IoPool final {
 public:
  explicit IoPool(int threads);
  ~IoPool();
  IoPool(const IoPool&) = delete;
  IoPool& operator=(const IoPool&) = delete;

  /// The context of thread 0: the acceptor and the signal handler live there.
  boost::asio::io_context& first() { return *contexts_.front(); }

  /// The context for a new connection: round robin over the threads.
  boost::asio::io_context& Next();

  std::size_t size() const { return contexts_.size(); }

  /// Starts the threads; each runs its context until Stop().
  void Start();

  /// Stops every context and joins the threads. Idempotent.
  void Stop();

 private:
  using WorkGuard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<WorkGuard> keep_running_;  // a context without work would return from run() at once
  std::vector<std::thread> threads_;
  std::atomic<std::size_t> next_{0};
};

}  // namespace flagmeter
