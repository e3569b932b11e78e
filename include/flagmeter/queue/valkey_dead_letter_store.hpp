#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "flagmeter/config/config.hpp"
#include "flagmeter/queue/dead_letter_store.hpp"
#include "flagmeter/queue/valkey_connection.hpp"

namespace flagmeter {

/// The dead-letter list of queue `QueueConfig::name` in Valkey (layout in
/// src/queue/dead_letter_scripts.hpp), on its own connection, re-established
/// lazily. With QUEUE_SHARDS=S > 1 every shard has its own list, and this
/// store shows them as one: a record's id is `shard_id * S + shard` (with one
/// shard, the shard's own id), List merges the shards' pages by id, Find and
/// Move send each id to its shard (id % S), and a redriven event goes back
/// to its own shard. Every failure to reach Valkey is Unavailable; a reply of an
/// unexpected shape is Internal.
///
/// Blocking; owned by one thread.
class ValkeyDeadLetterStore final : public DeadLetterStore {
 public:
  explicit ValkeyDeadLetterStore(QueueConfig config);
  ValkeyDeadLetterStore(const ValkeyDeadLetterStore&) = delete;
  ValkeyDeadLetterStore& operator=(const ValkeyDeadLetterStore&) = delete;

  Result<DeadLetterCounts> Count() override;
  Result<DeadLetterPage> List(std::uint64_t after_id, std::size_t limit) override;
  Result<std::vector<std::optional<DeadLetterEntry>>> Find(const std::vector<std::uint64_t>& ids) override;
  Result<std::int64_t> Move(DeadLetterAction action, const std::vector<DeadLetterEntry>& entries,
                            bool& queue_full) override;

  /// The keys of one shard.
  struct ShardKeys {
    std::string queue;  // the shard's list, and the prefix of its keys
    std::string dead;
    std::string counts;
    std::string seq;
  };

 private:
  std::uint64_t GlobalId(std::uint64_t local_id, std::size_t shard) const;
  Result<DeadLetterPage> ListShard(std::size_t index, std::uint64_t after_id, std::size_t limit);
  Result<std::int64_t> MoveInShard(std::size_t index, DeadLetterAction action,
                                   const std::vector<const DeadLetterEntry*>& entries, bool& queue_full);

  // Constant after construction.
  const QueueConfig config_;
  const std::vector<ShardKeys> shards_;

  ValkeyConnection connection_;
};

}  // namespace flagmeter
