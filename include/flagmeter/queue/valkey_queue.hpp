#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "flagmeter/config/config.hpp"
#include "flagmeter/queue/event_queue.hpp"
#include "flagmeter/queue/valkey_connection.hpp"
#include "flagmeter/queue/shard_cursor.hpp"

namespace flagmeter {

/// One consumer of the Valkey queue `QueueConfig::name`, with its own
/// connection and a consumer id unique to this instance
/// ("<host>-<pid>-<random hex>"). The protocol (claim, ack, lease, reaper) is
/// described at the top of valkey_queue.cpp. With QUEUE_SHARDS > 1 it
/// consumes every shard over its one connection, under the same consumer id
/// (ShardCursor picks the shard); Ack, RenewLease, DeadLetter and Release act
/// on the shard the held batch came from.
///
/// Every failure to reach Valkey is Unavailable (retry with backoff; the
/// connection is re-established lazily on the next call). A claim whose reply
/// was lost is not lost: the events stay in this consumer's processing list
/// and the next Claim returns them.
///
/// Blocking; owned by one worker thread.
class ValkeyQueue final : public EventQueue {
 public:
  explicit ValkeyQueue(QueueConfig config);
  ValkeyQueue(const ValkeyQueue&) = delete;
  ValkeyQueue& operator=(const ValkeyQueue&) = delete;

  /// The destructor releases nothing: an un-acknowledged batch stays in the
  /// processing list until the reaper puts it back after the lease expires.
  /// Call Release() first for a prompt hand-back at graceful shutdown.
  ~ValkeyQueue() override = default;

  /// Returns this consumer's un-acknowledged batch if there is one (again,
  /// in the same order); otherwise moves up to `max_items` events from the
  /// head of the queue (of the next shard with events) into its processing
  /// list. Either way the lease is renewed to `lease_ms`. Empty when nothing
  /// waits (in a shard not backed off).
  Result<std::vector<std::string>> Claim(std::size_t max_items) override;

  /// Deletes the processing list. Idempotent. The lease and the consumer
  /// entry stay: the next Claim renews them.
  Status Ack() override;

  /// Renews the lease to `lease_ms` and re-registers the consumer. Call more
  /// often than `lease_ms` while a batch is held (e.g. between store retries).
  Status RenewLease() override;

  /// Removes one occurrence of `encoded_event` from the processing list and
  /// appends its record (see dead_letter_record.hpp: id, reason, `detail`,
  /// when, the event) to the list "<name>:dead", then drops the oldest
  /// records beyond `dead_letter_max`, all atomically; a drop is logged here
  /// and returned for the caller to count. NotFound when the event is not in
  /// the processing list (the reaper put the batch back after the lease
  /// expired; nothing was written).
  Result<DeadLetterDrops> DeadLetter(const std::string& encoded_event, DeadLetterReason reason,
                                     const std::string& detail) override;

  /// Puts an un-acknowledged batch back at the head of the queue, in order,
  /// and drops the lease and the consumer entry, atomically. No-op when
  /// nothing is claimed. For graceful shutdown.
  Status Release() override;

  const std::string& consumer_id() const { return consumer_id_; }

 private:
  /// The keys of one shard this consumer uses.
  struct ShardKeys {
    std::string name;  // the list, and the prefix of the shard's keys
    std::string processing;
    std::string lease;
    std::string consumers;
    std::string dead;
    std::string dead_counts;
    std::string dead_seq;
  };

  static std::vector<ShardKeys> MakeShardKeys(const QueueConfig& config, const std::string& consumer_id);
  Result<std::vector<std::string>> ClaimFrom(const ShardKeys& shard, std::size_t max_items);

  // Constant after construction.
  const QueueConfig config_;
  const std::string consumer_id_;
  const std::vector<ShardKeys> shards_;
  const std::int64_t dead_letter_max_;  // per shard

  ValkeyConnection connection_;
  ShardCursor cursor_;
  std::vector<std::size_t> order_;  // Claim's shards to try, reused

  // This consumer's own count of its batch, checked by debug asserts: the
  // largest `max_items` it ever claimed with, and the events the last Claim
  // returned less those dead-lettered since (0 after Ack or Release).
  std::size_t largest_claim_ = 0;
  std::size_t held_ = 0;
};

}  // namespace flagmeter
