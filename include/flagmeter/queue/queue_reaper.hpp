#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "flagmeter/config/config.hpp"
#include "flagmeter/core/status.hpp"
#include "flagmeter/queue/valkey_connection.hpp"

namespace flagmeter {

/// Housekeeping and observation of the Valkey queue `QueueConfig::name`, all
/// its shards (queue_shards.hpp) over one connection:
/// hands batches of dead consumers back to the queue (see the DESIGN comment
/// in valkey_queue.cpp) and reads the numbers behind the queue gauges and the
/// health check. Has its own connection, re-established lazily; every
/// failure to reach Valkey is Unavailable.
///
/// Blocking; owned by one thread (the lease reaper's, or the monitor's for
/// the gauges).
class QueueReaper final {
 public:
  explicit QueueReaper(QueueConfig config);
  QueueReaper(const QueueReaper&) = delete;
  QueueReaper& operator=(const QueueReaper&) = delete;

  /// For every registered consumer whose lease has expired, moves its
  /// processing list back to the head of the queue in order and forgets the
  /// consumer, in one atomic script per shard. Returns the number of events
  /// put back; a shard that fails does not stop the others, and the first
  /// failure is returned.
  Result<std::size_t> RequeueExpired();

  /// Events waiting in the queue (the sum of every shard's LLEN).
  Result<std::int64_t> QueueDepth();

  /// Events claimed by consumers and not yet acknowledged (the sum of the
  /// registered processing lists).
  Result<std::int64_t> InflightCount();

  /// Ok when Valkey answers PING.
  Status Ping();

 private:
  // Constant after construction.
  const QueueConfig config_;
  const std::vector<std::string> shards_;  // ShardNames(config_)

  ValkeyConnection connection_;
};

}  // namespace flagmeter
