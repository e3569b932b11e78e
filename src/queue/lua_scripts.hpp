#pragma once

#include "flagmeter/queue/valkey_connection.hpp"

// The Lua scripts behind the queue protocol. Each runs atomically on the
// server, which is what makes a claim, a push or a requeue all-or-nothing.
// Key layout for queue name Q (see valkey_queue.cpp for the protocol):
//   Q                      waiting events (RPUSH at the tail, claimed from the head)
//   Q:processing:<id>      the batch consumer <id> has claimed
//   Q:lease:<id>           present (with a PX expiry) while <id> is alive
//   Q:consumers            set of consumer ids that may hold a batch
//   Q:dead                 dead-letter records (scripts in dead_letter_scripts.hpp)
// With QUEUE_SHARDS > 1 each shard {Q:i} has all of these keys under its own
// name (queue_shards.hpp), and each script runs on one shard's keys.
// Scripts push at most kLuaChunk values per RPUSH/LPUSH call: Lua's unpack()
// is bounded by the C stack (about 8000 values).
namespace flagmeter::lua {

/// KEYS: Q. ARGV: max_depth, G (number of groups), size_1..size_G, then the
/// items of every group in order. A group is pushed whole when it fits under
/// max_depth, skipped whole otherwise. Returns {depth, accepted_1..accepted_G}
/// with accepted_i 1 or 0.
extern const ValkeyScript kPush;

/// KEYS: Q, processing, lease, consumers. ARGV: max_items, lease_ms, id.
/// Returns the processing list when it is not empty (a batch not yet
/// acknowledged), otherwise moves up to max_items from the head of Q into it.
/// Renews the lease and registers the consumer whenever it returns items.
extern const ValkeyScript kClaim;

/// KEYS: processing, lease, consumers. ARGV: lease_ms, id. Renews the lease;
/// returns the length of the processing list.
extern const ValkeyScript kRenewLease;

/// KEYS: Q, processing, lease, consumers. ARGV: id. Puts the processing list
/// back at the head of Q in order and forgets the consumer. Returns the
/// number of events put back.
extern const ValkeyScript kRelease;

/// KEYS: Q, consumers. ARGV: Q (the key prefix). For every consumer whose
/// lease has expired, does what kRelease does. Returns the number of events
/// put back.
extern const ValkeyScript kRequeueExpired;

/// KEYS: consumers. ARGV: Q. Returns the total length of all processing lists.
extern const ValkeyScript kInflight;

}  // namespace flagmeter::lua
