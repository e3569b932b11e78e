#pragma once

#include "flagmeter/queue/valkey_connection.hpp"

// The Lua scripts of the dead-letter list. For queue name Q:
//   Q:dead          the records, oldest at the head; each starts with its id,
//                   {"n":<id>,"reason":"<undecodable|refused>",...}, and ids
//                   ascend from head to tail
//   Q:dead:counts   hash: records in Q:dead per reason, kept by every script
//                   that adds or removes one, so a gauge costs one HMGET
//   Q:dead:seq      the last id handed out
// A record that lacks an id or a counted reason (written by an earlier
// version) is numbered and counted by kDeadLetterCount. Every script runs
// atomically on the server: a record is in exactly one list at any time.
namespace flagmeter::lua {

/// KEYS: processing, dead, counts, seq. ARGV: item, record (without id),
/// reason, max. Removes one occurrence of item from processing and, if there
/// was one, appends the record with the next id to dead, then drops the
/// oldest records while dead holds more than max. Returns {0} when item was
/// not in processing, else {1, dropped undecodable, dropped refused, the
/// oldest dropped record or ""}.
extern const ValkeyScript kDeadLetter;

/// KEYS: dead, counts, seq. Returns {undecodable, refused, renumbered}. When
/// the counts disagree with the list's length, counts the list again, and
/// when some record lacks an id (or ids do not ascend), gives every record a
/// new id in list order (renumbered: how many).
extern const ValkeyScript kDeadLetterCount;

/// KEYS: dead. ARGV: after (an id, 0 for the start), limit. Returns
/// {length of dead, 1 when records follow this page else 0, id of the tail
/// record, then up to limit records whose ids follow `after`}.
extern const ValkeyScript kDeadLetterPage;

/// KEYS: dead. ARGV: ids. Returns, for each id, its record or "".
extern const ValkeyScript kDeadLetterFind;

/// KEYS: dead, Q, counts. ARGV: mode ("redrive" or "discard"), max depth of
/// Q, then (record, queue entry, reason) triples. Takes each record still in
/// dead out of it; on redrive appends its queue entry to Q, as long as Q
/// holds fewer than max depth entries. Returns {moved, 1 when Q was full
/// else 0}.
extern const ValkeyScript kDeadLetterMove;

}  // namespace flagmeter::lua
