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
// Each ValkeyQueue has its own connection and is used by one worker thread;
// the only shared state is in Valkey, and every multi-key step is one script.

#include "flagmeter/queue/valkey_queue.hpp"

#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <spdlog/spdlog.h>
#include <utility>

#include "flagmeter/queue/dead_letter_record.hpp"
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

std::int64_t NowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ValkeyQueue::ValkeyQueue(QueueConfig config)
    : config_(std::move(config)),
      consumer_id_(MakeConsumerId()),
      processing_key_(config_.name + ":processing:" + consumer_id_),
      lease_key_(config_.name + ":lease:" + consumer_id_),
      consumers_key_(config_.name + ":consumers"),
      dead_key_(config_.name + ":dead"),
      dead_counts_key_(dead_key_ + ":counts"),
      dead_seq_key_(dead_key_ + ":seq"),
      connection_(config_.valkey, config_.connect_timeout_ms) {}

Result<std::vector<std::string>> ValkeyQueue::Claim(std::size_t max_items) {
  const std::string context = "valkey queue '" + config_.name + "': claim";
  if (max_items == 0) return Status::InvalidArgument(context + ": max_items must be at least 1");
  const std::string count = std::to_string(max_items);
  const std::string lease_ms = std::to_string(config_.lease_ms);
  largest_claim_ = std::max(largest_claim_, max_items);  // before the call: its reply may be lost
  auto reply = connection_.Eval(lua::kClaim, {config_.name, processing_key_, lease_key_, consumers_key_},
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
  held_ = items.size();
  return items;
}

Status ValkeyQueue::Ack() {
  auto reply = connection_.Command({"DEL", processing_key_});
  if (!reply.ok()) return reply.status().WithContext("valkey queue '" + config_.name + "': ack");
  held_ = 0;
  return Status::Ok();
}

Status ValkeyQueue::RenewLease() {
  const std::string lease_ms = std::to_string(config_.lease_ms);
  auto reply = connection_.Eval(lua::kRenewLease, {processing_key_, lease_key_, consumers_key_},
                                {lease_ms, consumer_id_});
  if (!reply.ok()) return reply.status().WithContext("valkey queue '" + config_.name + "': renew lease");
  return Status::Ok();
}

Result<DeadLetterDrops> ValkeyQueue::DeadLetter(const std::string& encoded_event, DeadLetterReason reason,
                                                const std::string& detail) {
  const std::string context = "valkey queue '" + config_.name + "': dead-letter";
  const std::string record = MakeDeadLetterRecord(encoded_event, reason, detail, NowUnixMs());
  const std::string max = std::to_string(config_.dead_letter_max);
  auto reply = connection_.Eval(lua::kDeadLetter, {processing_key_, dead_key_, dead_counts_key_, dead_seq_key_},
                                {encoded_event, record, DeadLetterReasonLabel(reason), max});
  if (!reply.ok()) return reply.status().WithContext(context);
  if (reply->type != ValkeyReply::Type::kArray || reply->elements.empty()) {
    return Status::Internal(context + ": " + connection_.description() + ": expected an array reply");
  }
  if (reply->elements[0].integer != 1) {
    return Status::NotFound(context + ": the event is no longer in " + processing_key_ +
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
    spdlog::error(
        "{}: {} holds DEAD_LETTER_MAX={} records: dropped the oldest {} ({} undecodable, {} refused); "
        "the oldest dropped ({} bytes): {}",
        context, dead_key_, config_.dead_letter_max, drops.undecodable + drops.refused, drops.undecodable,
        drops.refused, drops.oldest.size(), drops.oldest.substr(0, kShown));
  }
  return drops;
}

Status ValkeyQueue::Release() {
  auto reply = connection_.Eval(lua::kRelease, {config_.name, processing_key_, lease_key_, consumers_key_},
                                {consumer_id_});
  if (!reply.ok()) return reply.status().WithContext("valkey queue '" + config_.name + "': release");
  held_ = 0;
  if (reply->integer > 0) {
    spdlog::info("valkey queue '{}': consumer {} put {} un-acknowledged events back at the head",
                 config_.name, consumer_id_, reply->integer);
  }
  return Status::Ok();
}

}  // namespace flagmeter
