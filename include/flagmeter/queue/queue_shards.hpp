#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "flagmeter/config/config.hpp"

namespace flagmeter {

/// The one owner of the queue's key layout across shards.
///
/// QUEUE_SHARDS=S splits queue Q into S independent queues ("shards"), each
/// with every key of today's single queue (the list, :seq, :processing:<id>,
/// :lease:<id>, :consumers, :dead, :dead:counts, :dead:seq) under its own
/// name. Shard i is named "{Q:i}": the braces are a hash tag, so on a Valkey
/// Cluster all keys of one shard live in one slot and every multi-key script
/// of the shard runs there. With one shard and no hash tags wanted the name
/// stays plain "Q", the layout of deployments made before sharding.
/// A tenant's events always go to the same shard (ShardOfTenant).
/// Thread-safe (pure functions).

/// 64-bit FNV-1a of `bytes`. Part of the stored layout: never change it.
std::uint64_t Fnv1a64(std::string_view bytes);

/// The shard of `tenant` among `shards`: Fnv1a64(tenant) % shards. Fixed
/// forever (a change would split a tenant's events over two shards).
std::size_t ShardOfTenant(std::string_view tenant, std::size_t shards);

/// Whether the keys carry hash tags: with more than one shard, or when asked.
bool ShardsHashTagged(std::size_t shards, bool hash_tags);

/// The name (key prefix) of shard `shard` of queue `queue` laid out as
/// `shards` shards: "{queue:shard}" when hash-tagged, else `queue` itself.
std::string ShardName(const std::string& queue, std::size_t shard, std::size_t shards, bool hash_tags);

/// The names of every shard of the configured queue, shard 0 first.
std::vector<std::string> ShardNames(const QueueConfig& config);

/// The depth bound of each shard: MAX_QUEUE_DEPTH / QUEUE_SHARDS rounded up,
/// so the whole queue never holds much more than MAX_QUEUE_DEPTH events.
std::int64_t ShardMaxDepth(const QueueConfig& config);

/// The dead-letter bound of each shard: DEAD_LETTER_MAX / QUEUE_SHARDS
/// rounded up.
std::int64_t ShardDeadLetterMax(const QueueConfig& config);

/// The key that records the layout of queue `queue` ("{queue}:layout").
std::string QueueLayoutKey(const std::string& queue);

}  // namespace flagmeter
