// DESIGN
//
// A reliable queue on plain Valkey lists, giving at-least-once delivery from
// POST /api/events to PostgreSQL. For queue name Q:
//
//   Q                   waiting events; the pusher RPUSHes at the tail.
//   Q:processing:<id>   the batch consumer <id> holds; one per worker.
//   Q:lease:<id>        "1" with a PX expiry of lease_ms while <id> is alive.
//   Q:consumers         ids that may hold a batch (the reaper's index).
//   Q:dead              events that could not be stored, with the reason.
//
// Claim: one Lua script moves up to N events from the head of Q into
//   Q:processing:<id> (when all of Q fits, by renaming Q itself, which copies
//   nothing), sets the lease and registers <id>. The move is atomic,
//   so an event is always in exactly one list, and two consumers never get
//   the same event. If the processing list is not empty (the worker never
//   acked it, or the reply of the previous Claim was lost on the wire), the
//   script returns that batch again instead of claiming more: an event that
//   reached the server is never dropped by a lost reply.
// Ack: the worker deletes its processing list only after the store committed
//   the batch. A crash between commit and Ack redelivers the batch.
// Lease: every Claim and RenewLease sets Q:lease:<id> to expire after
//   lease_ms (30 s by default). A live worker therefore keeps its batch as
//   long as committing a batch (or a retry cycle between RenewLease calls)
//   takes less than lease_ms. That is the invariant the deployment must keep.
// Reaper: QueueReaper::RequeueExpired (run by LeaseReaper's thread as it
//   starts and every few seconds) finds each registered <id> whose lease
//   key has expired, puts its processing list back at the head of Q in the
//   original order, and forgets <id>. A crashed or hung worker's batch is
//   thus redelivered to another worker. Release() does the same for one
//   consumer at graceful shutdown, without waiting for the lease.
// Redelivery is harmless: the store records each (tenant, event id) once, so
//   an event committed and then redelivered (crash before Ack, a worker that
//   outlived its lease, a push whose reply was lost) is counted once.
// Dead letters: an event the store rejects for good is moved, atomically,
//   from the processing list to Q:dead with its reason, so it neither blocks
//   the batch nor disappears. Q:dead holds at most dead_letter_max records:
//   the same script drops the oldest beyond it, and the drop is logged and
//   counted (dead_letter_scripts.hpp has the list's layout).
//
// Shards: with QUEUE_SHARDS=S > 1 the queue is S such queues, named
//   {Q:0} .. {Q:S-1} (queue_shards.hpp), every key above under that prefix,
//   so on a Valkey Cluster each script touches one slot. The pusher sends a
//   tenant's events always to the same shard. A consumer has ONE connection
//   and the same id on every shard; ShardCursor chooses where it claims:
//   round-robin from an offset per consumer, moving on after each batch (a
//   hot shard cannot starve the others); pinned to a shard from the claim
//   until the batch is acknowledged or released, or the shard answers empty
//   (an un-acknowledged batch, or a claim whose reply was lost, is claimed
//   again there first, so nothing is stranded); an empty shard is skipped
//   for a backoff doubling from 5 to 250 ms, so idle shards cost no busy
//   polling. Ack, RenewLease, DeadLetter and Release act on the pinned
//   shard. The reaper and the gauges run their scripts shard by shard.
//
// Each ValkeyQueue has its own connection and is used by one worker thread;
// the only shared state is in Valkey, and every multi-key step is one script.

#include "flagmeter/queue/valkey_queue.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <spdlog/spdlog.h>
#include <utility>

#include "flagmeter/queue/dead_letter_record.hpp"
#include "flagmeter/queue/queue_shards.hpp"
#include "queue/dead_letter_scripts.hpp"
#include "queue/lua_scripts.hpp"

namespace flagmeter {
namespace {

std::string MakeConsumerId() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') std::snprintf(host, sizeof(host), "host");
  std::random_device random;
  const std::uint64_t salt = (static_cast<std::uint64_t>(random()) << 32) ^ random();
  char suffix[17];
  std::snprintf(suffix, sizeof(suffix), "%016llx", static_cast<unsigned long long>(salt));
  return std::string(host) + "-" + std::to_string(getpid()) + "-" + suffix;
}

// Consumers of one process start at successive shards, from a random one,
// so workers (of this and other processes) spread over the shards.
std::size_t FirstShard() {
  static std::atomic<std::size_t> next{std::random_device{}()};
  return next.fetch_add(1, std::memory_order_relaxed);
}

std::int64_t NowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::vector<ValkeyQueue::ShardKeys> ValkeyQueue::MakeShardKeys(const QueueConfig& config,
                                                               const std::string& consumer_id) {
  std::vector<ShardKeys> shards;
  for (std::string& name : ShardNames(config)) {
    ShardKeys keys;
    keys.processing = name + ":processing:" + consumer_id;
    keys.lease = name + ":lease:" + consumer_id;
    keys.consumers = name + ":consumers";
    keys.dead = name + ":dead";
    keys.dead_counts = keys.dead + ":counts";
    keys.dead_seq = keys.dead + ":seq";
    keys.name = std::move(name);
    shards.push_back(std::move(keys));
  }
  return shards;
}

ValkeyQueue::ValkeyQueue(QueueConfig config)
    : config_(std::move(config)),
      consumer_id_(MakeConsumerId()),
      shards_(MakeShardKeys(config_, consumer_id_)),
      dead_letter_max_(ShardDeadLetterMax(config_)),
      connection_(config_.valkey, config_.connect_timeout_ms),
      cursor_(shards_.size(), FirstShard()) {}

Result<std::vector<std::string>> ValkeyQueue::Claim(std::size_t max_items) {
  if (max_items == 0) {
    return Status::InvalidArgument("valkey queue '" + config_.name + "': claim: max_items must be at least 1");
  }
  largest_claim_ = std::max(largest_claim_, max_items);  // before the call: its reply may be lost
  const auto now = ShardCursor::Clock::now();
  cursor_.Order(now, order_);
  for (std::size_t shard : order_) {
    cursor_.Attempting(shard);
    Result<std::vector<std::string>> items = ClaimFrom(shards_[shard], max_items);
    if (!items.ok()) return items;  // pinned: the next Claim asks this shard again
    if (!items->empty()) {
      cursor_.Yielded(shard);
      held_ = items->size();
      return items;
    }
    cursor_.Empty(shard, now);
  }
  held_ = 0;
  return std::vector<std::string>{};
}

Result<std::vector<std::string>> ValkeyQueue::ClaimFrom(const ShardKeys& shard, std::size_t max_items) {
  const std::string context = "valkey queue '" + shard.name + "': claim";
  const std::string count = std::to_string(max_items);
  const std::string lease_ms = std::to_string(config_.lease_ms);
  auto reply = connection_.Eval(lua::kClaim, {shard.name, shard.processing, shard.lease, shard.consumers},
                                {count, lease_ms, consumer_id_});
  if (!reply.ok()) return reply.status().WithContext(context);
  if (reply->type != ValkeyReply::Type::kArray) {
    return Status::Internal(context + ": " + connection_.description() + ": expected an array reply");
  }
  std::vector<std::string> items;
  items.reserve(reply->elements.size());
  for (ValkeyReply& element : reply->elements) items.push_back(std::move(element.str));
  // Only this consumer's claims fill its processing list, each at most
  // `max_items` into an empty list, and the list is returned whole.
  assert(items.size() <= largest_claim_);
  return items;
}

Status ValkeyQueue::Ack() {
  const ShardKeys& shard = shards_[cursor_.current()];
  auto reply = connection_.Command({"DEL", shard.processing});
  if (!reply.ok()) return reply.status().WithContext("valkey queue '" + shard.name + "': ack");
  held_ = 0;
  cursor_.Settled();
  return Status::Ok();
}

Status ValkeyQueue::RenewLease() {
  const ShardKeys& shard = shards_[cursor_.current()];
  const std::string lease_ms = std::to_string(config_.lease_ms);
  auto reply = connection_.Eval(lua::kRenewLease, {shard.processing, shard.lease, shard.consumers},
                                {lease_ms, consumer_id_});
  if (!reply.ok()) return reply.status().WithContext("valkey queue '" + shard.name + "': renew lease");
  return Status::Ok();
}

Result<DeadLetterDrops> ValkeyQueue::DeadLetter(const std::string& encoded_event, DeadLetterReason reason,
                                                const std::string& detail) {
  const ShardKeys& shard = shards_[cursor_.current()];
  const std::string context = "valkey queue '" + shard.name + "': dead-letter";
  const std::string record = MakeDeadLetterRecord(encoded_event, reason, detail, NowUnixMs());
  const std::string max = std::to_string(dead_letter_max_);
  auto reply = connection_.Eval(lua::kDeadLetter, {shard.processing, shard.dead, shard.dead_counts, shard.dead_seq},
                                {encoded_event, record, DeadLetterReasonLabel(reason), max});
  if (!reply.ok()) return reply.status().WithContext(context);
  if (reply->type != ValkeyReply::Type::kArray || reply->elements.empty()) {
    return Status::Internal(context + ": " + connection_.description() + ": expected an array reply");
  }
  if (reply->elements[0].integer != 1) {
    return Status::NotFound(context + ": the event is no longer in " + shard.processing +
                            " (the lease expired and the batch was put back)");
  }
  // The event was in this consumer's processing list, which holds only what
  // its last Claim returned (less what was removed since), so it was counted.
  assert(held_ > 0);
  --held_;
  DeadLetterDrops drops;
  if (reply->elements.size() >= 4) {
    drops.undecodable = reply->elements[1].integer;
    drops.refused = reply->elements[2].integer;
    drops.oldest = std::move(reply->elements[3].str);
  }
  if (drops.undecodable + drops.refused > 0) {
    constexpr std::size_t kShown = 2000;
    const std::string bound = shards_.size() == 1 ? "DEAD_LETTER_MAX=" + std::to_string(config_.dead_letter_max)
                                                  : "its share " + std::to_string(dead_letter_max_) +
                                                        " of DEAD_LETTER_MAX=" + std::to_string(config_.dead_letter_max);
    spdlog::error(
        "{}: {} holds {} records: dropped the oldest {} ({} undecodable, {} refused); the oldest dropped ({} "
        "bytes): {}",
        context, shard.dead, bound, drops.undecodable + drops.refused, drops.undecodable, drops.refused,
        drops.oldest.size(), drops.oldest.substr(0, kShown));
  }
  return drops;
}

Status ValkeyQueue::Release() {
  const ShardKeys& shard = shards_[cursor_.current()];
  auto reply = connection_.Eval(lua::kRelease, {shard.name, shard.processing, shard.lease, shard.consumers},
                                {consumer_id_});
  if (!reply.ok()) return reply.status().WithContext("valkey queue '" + shard.name + "': release");
  held_ = 0;
  cursor_.Settled();
  if (reply->integer > 0) {
    spdlog::info("valkey queue '{}': consumer {} put {} un-acknowledged events back at the head", shard.name,
                 consumer_id_, reply->integer);
  }
  return Status::Ok();
}

}  // namespace flagmeter
