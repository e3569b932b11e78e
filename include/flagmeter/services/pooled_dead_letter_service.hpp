#pragma once

#include "flagmeter/core/work_pool.hpp"
#include "flagmeter/services/dead_letter_service.hpp"

namespace flagmeter {

/// The thread of the admin API's dead-letter calls, with its own
/// DeadLetterStore (its own Valkey connection), so a listing or a redrive
/// never waits behind a worker.
using DeadLetterPool = WorkPool<DeadLetterStore>;

/// The dead-letter operations on the DeadLetterPool, which outlives it.
/// Thread-safe.
class PooledDeadLetterService final : public DeadLetterService {
 public:
  explicit PooledDeadLetterService(DeadLetterPool& pool) : pool_(pool) {}

  void List(std::uint64_t after_id, std::size_t limit, ReplyCallback<DeadLetterPage> done) override;
  void Move(DeadLetterAction action, DeadLetterSelection selection, ReplyCallback<DeadLetterMoveReport> done) override;

 private:
  DeadLetterPool& pool_;
};

}  // namespace flagmeter
