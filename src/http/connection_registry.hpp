#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>

#include "flagmeter/core/mutex.hpp"

namespace flagmeter {

/// The live connections: counted when they are accepted, so that
/// MAX_CONNECTIONS holds exactly under bursts, and reachable by shutdown.
/// Thread-safe.
class ConnectionRegistry final {
 public:
  using Closer = std::function<void()>;  // asks the connection to close once idle

  /// One live connection, from accept to the end of its session, however that
  /// ends (an exception included): the destructor gives the slot back.
  class Slot final {
   public:
    Slot(Slot&& other) noexcept;
    Slot& operator=(Slot&&) = delete;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot();

    /// How shutdown closes this connection; called on the connection's thread.
    void SetCloser(Closer closer);

   private:
    friend class ConnectionRegistry;
    Slot(ConnectionRegistry* registry, std::uint64_t id) : registry_(registry), id_(id) {}

    ConnectionRegistry* registry_;  // null once moved from
    std::uint64_t id_;
  };

  /// A slot when fewer than `max_connections` are live, none otherwise.
  std::optional<Slot> TryAcquire(std::size_t max_connections);

  /// From now on connections close after their current request; idle ones
  /// are closed now.
  void CloseAll();
  bool closing() const { return closing_.load(std::memory_order_relaxed); }
  std::size_t Count();

 private:
  void Release(std::uint64_t id);

  Mutex mu_;
  std::unordered_map<std::uint64_t, Closer> closers_ FM_GUARDED_BY(mu_);  // one entry per live slot
  std::uint64_t next_id_ FM_GUARDED_BY(mu_) = 0;
  std::atomic<bool> closing_{false};
};

}  // namespace flagmeter
