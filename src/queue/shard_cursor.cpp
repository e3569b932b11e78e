#include "flagmeter/queue/shard_cursor.hpp"

#include <algorithm>
#include <cassert>

namespace flagmeter {

ShardCursor::ShardCursor(std::size_t shards, std::size_t first, std::chrono::milliseconds max_idle_backoff)
    : max_idle_backoff_(shards > 1 ? max_idle_backoff : std::chrono::milliseconds(0)),
      idle_(std::max<std::size_t>(shards, 1)),
      next_(first % idle_.size()),
      last_(next_) {}

std::vector<std::size_t> ShardCursor::Order(Clock::time_point now) const {
  std::vector<std::size_t> order;
  Order(now, order);
  return order;
}

void ShardCursor::Order(Clock::time_point now, std::vector<std::size_t>& order) const {
  order.clear();
  if (pinned_) {
    order.push_back(*pinned_);
    return;
  }
  for (std::size_t i = 0; i < idle_.size(); ++i) {
    const std::size_t shard = (next_ + i) % idle_.size();
    if (idle_[shard].until <= now) order.push_back(shard);
  }
}

void ShardCursor::Attempting(std::size_t shard) {
  assert(shard < idle_.size());
  // Never two claims in flight on different shards: the pinned one settles first.
  assert(!pinned_ || *pinned_ == shard);
  pinned_ = shard;
  last_ = shard;
}

void ShardCursor::Yielded(std::size_t shard) {
  assert(pinned_ == shard);
  idle_[shard] = Idle{};
}

void ShardCursor::Empty(std::size_t shard, Clock::time_point now) {
  assert(shard < idle_.size());
  pinned_.reset();
  next_ = (shard + 1) % idle_.size();
  Idle& idle = idle_[shard];
  if (max_idle_backoff_.count() == 0) return;
  idle.backoff = idle.backoff.count() == 0 ? std::min(kFirstIdleBackoff, max_idle_backoff_)
                                           : std::min(idle.backoff * 2, max_idle_backoff_);
  idle.until = now + idle.backoff;
}

void ShardCursor::Settled() {
  const std::size_t shard = current();
  pinned_.reset();
  next_ = (shard + 1) % idle_.size();
}

}  // namespace flagmeter
