#include "flagmeter/queue/queue_shards.hpp"

namespace flagmeter {

std::uint64_t Fnv1a64(std::string_view bytes) {
  constexpr std::uint64_t kOffsetBasis = 14695981039346656037ULL;
  constexpr std::uint64_t kPrime = 1099511628211ULL;
  std::uint64_t hash = kOffsetBasis;
  for (char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= kPrime;
  }
  return hash;
}

std::size_t ShardOfTenant(std::string_view tenant, std::size_t shards) {
  if (shards <= 1) return 0;
  return static_cast<std::size_t>(Fnv1a64(tenant) % shards);
}

bool ShardsHashTagged(std::size_t shards, bool hash_tags) { return hash_tags || shards > 1; }

std::string ShardName(const std::string& queue, std::size_t shard, std::size_t shards, bool hash_tags) {
  if (!ShardsHashTagged(shards, hash_tags)) return queue;
  return "{" + queue + ":" + std::to_string(shard) + "}";
}

std::vector<std::string> ShardNames(const QueueConfig& config) {
  const auto shards = static_cast<std::size_t>(config.shards < 1 ? 1 : config.shards);
  std::vector<std::string> names;
  names.reserve(shards);
  for (std::size_t i = 0; i < shards; ++i) names.push_back(ShardName(config.name, i, shards, config.hash_tags));
  return names;
}

namespace {

std::int64_t DivideRoundingUp(std::int64_t total, int shards) {
  const std::int64_t parts = shards < 1 ? 1 : shards;
  return (total + parts - 1) / parts;
}

}  // namespace

std::int64_t ShardMaxDepth(const QueueConfig& config) { return DivideRoundingUp(config.max_depth, config.shards); }

std::int64_t ShardDeadLetterMax(const QueueConfig& config) {
  return DivideRoundingUp(config.dead_letter_max, config.shards);
}

std::string QueueLayoutKey(const std::string& queue) { return "{" + queue + "}:layout"; }

}  // namespace flagmeter
