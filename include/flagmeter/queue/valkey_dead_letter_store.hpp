#pragma once

#include <string>

#include "flagmeter/config/config.hpp"
#include "flagmeter/queue/dead_letter_store.hpp"
#include "flagmeter/queue/valkey_connection.hpp"

namespace flagmeter {

/// The dead-letter list of queue `QueueConfig::name` in Valkey (layout in
/// src/queue/dead_letter_scripts.hpp), on its own connection, re-established
/// lazily. Every failure to reach Valkey is Unavailable; a reply of an
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

 private:
  // Constant after construction.
  const QueueConfig config_;
  const std::string dead_key_;
  const std::string counts_key_;
  const std::string seq_key_;

  ValkeyConnection connection_;
};

}  // namespace flagmeter
