#pragma once

#include <optional>
#include <string>

#include "flagmeter/config/config.hpp"
#include "flagmeter/core/status.hpp"
#include "flagmeter/queue/valkey_connection.hpp"

namespace flagmeter {

/// How a queue's keys are laid out (queue_shards.hpp): the shard count, and
/// whether one shard's keys carry a hash tag (more shards always do).
struct QueueLayout {
  int shards = 1;
  bool hash_tags = false;

  /// The layout `config` asks for.
  static QueueLayout Of(const QueueConfig& config);

  /// The stored form: "4", "1", or "1 hash-tagged".
  std::string ToString() const;

  /// Reads ToString()'s form; none for anything else.
  static std::optional<QueueLayout> Parse(const std::string& text);

  /// Whether both name the same keys.
  bool SameKeys(const QueueLayout& other) const;
};

/// The start-up check that QUEUE_SHARDS (and the hash tags) still match the
/// layout the queue's events were written with, recorded in the key
/// QueueLayoutKey(name); a queue without that key was laid out as one plain
/// shard (deployments made before sharding).
///
/// When the configured layout differs from the recorded one and any shard of
/// the recorded layout still holds events (waiting, claimed by a consumer,
/// or dead letters), FailedPrecondition with a message saying what to do:
/// such events would be stranded in keys nobody reads, and a tenant's events
/// would be split over two shards. Otherwise the configured layout is
/// recorded and Ok. Unavailable when Valkey cannot be reached; Internal when
/// the recorded layout is unreadable.
///
/// Blocking. Two processes starting at once with different layouts are not
/// told apart: change QUEUE_SHARDS with every process stopped.
Status CheckQueueLayout(const QueueConfig& config, ValkeyConnection& connection);

}  // namespace flagmeter
