#pragma once

#include <chrono>
#include <memory>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

namespace flagmeter {

/// A connection's socket with one deadline for whatever the connection is
/// doing (waiting for a request, reading one, writing an answer). A watchdog
/// coroutine on the socket's io thread closes the socket once the deadline
/// has passed, which fails the read or write in progress.
///
/// Moving the deadline is a store, and now and then a timer re-arm when it
/// moves earlier than the watchdog's wake-up; a timer per read and write
/// (beast::tcp_stream) was a schedule, a cancel and a completion each, a few
/// per cent of the io threads' CPU. Use on the socket's io thread only.
class DeadlineSocket final : public std::enable_shared_from_this<DeadlineSocket> {
  struct Passkey {};  // only Start() makes one: without its watchdog it would never time out

 public:
  using Clock = std::chrono::steady_clock;

  /// Takes `socket` and starts the watchdog on its executor.
  static std::shared_ptr<DeadlineSocket> Start(boost::asio::ip::tcp::socket socket);

  DeadlineSocket(Passkey, boost::asio::ip::tcp::socket socket);
  DeadlineSocket(const DeadlineSocket&) = delete;
  DeadlineSocket& operator=(const DeadlineSocket&) = delete;

  boost::asio::ip::tcp::socket& socket() { return socket_; }

  /// What the connection does from now on must be done within `limit`.
  void ExpiresAfter(Clock::duration limit);
  /// No deadline: while a handler runs (its waits have bounds of their own).
  void ExpiresNever() { deadline_ = Clock::time_point::max(); }
  /// Whether the watchdog closed the socket.
  bool timed_out() const { return timed_out_; }
  /// Ends the watchdog; the connection is done with the socket.
  void Stop();

 private:
  static boost::asio::awaitable<void> Watch(std::shared_ptr<DeadlineSocket> self);

  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer watchdog_;  // its expiry is when the watchdog next looks
  Clock::time_point deadline_ = Clock::time_point::max();
  bool timed_out_ = false;
  bool stopped_ = false;
};

}  // namespace flagmeter
