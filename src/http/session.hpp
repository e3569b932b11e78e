#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <unordered_map>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "flagmeter/config/config.hpp"
#include "flagmeter/http/server.hpp"

namespace flagmeter {

/// The live connections, so shutdown can reach them. Thread-safe.
class ConnectionRegistry final {
 public:
  using Closer = std::function<void()>;  // asks the connection to close once idle

  std::uint64_t Add(Closer closer);
  void Remove(std::uint64_t id);
  /// From now on connections close after their current request; idle ones
  /// are closed now.
  void CloseAll();
  bool closing() const { return closing_.load(std::memory_order_relaxed); }
  std::size_t Count();

 private:
  std::mutex mu_;
  std::unordered_map<std::uint64_t, Closer> closers_;  // guarded by mu_
  std::uint64_t next_id_ = 0;                          // guarded by mu_
  std::atomic<bool> closing_{false};
};

/// Serves one connection until the peer closes it, an error, a timeout, or
/// shutdown: reads a request, answers it, and goes on while keep-alive
/// holds. Pipelined requests are answered in order. Runs on the socket's
/// io thread.
boost::asio::awaitable<void> RunSession(boost::asio::ip::tcp::socket socket, const HttpConfig& config,
                                        const ApiServices& services, ConnectionRegistry& registry);

}  // namespace flagmeter
