#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "flagmeter/core/event.hpp"
#include "flagmeter/core/dead_letter_reason.hpp"

namespace flagmeter {

/// The `reason` of a dead-letter record and of the metrics' reason label:
/// "undecodable" or "refused".
std::string_view DeadLetterReasonLabel(DeadLetterReason reason);

/// The reason named by `label`; none for any other text.
std::optional<DeadLetterReason> ParseDeadLetterReasonLabel(std::string_view label);

/// One element of the dead-letter list "<QUEUE_NAME>:dead", as read back.
struct DeadLetterEntry {
  std::uint64_t id = 0;                  // "n": unique in the list, ascending from head to tail; 0 when missing
  DeadLetterReason reason = DeadLetterReason::kUndecodable;
  std::string detail;                    // why, in words ("refused by the store: ...")
  std::optional<std::int64_t> at_ms;     // when it was set aside, Unix ms
  std::optional<Event> event;            // the event, when the queue entry decodes
  std::string queue_text;                // the queue entry to put back on redrive
  std::string record;                    // the list element itself, byte for byte
};

/// The list element for queue entry `encoded_event` set aside for `reason`,
/// without its id: {"reason":"refused","at":<ms>,"detail":"...","event":...}.
/// "event" is the entry itself when it is JSON, otherwise its text as a
/// string (invalid UTF-8 replaced by U+FFFD). The reason comes first so that
/// the Lua scripts read it with a pattern; the dead-letter script puts the
/// id in front ({"n":<id>,"reason":...}). Thread-safe (pure).
std::string MakeDeadLetterRecord(std::string_view encoded_event, DeadLetterReason reason, std::string_view detail,
                                 std::int64_t at_ms);

/// Reads any element of the list, never failing:
/// - records of this version;
/// - records written before reasons were labels and entries had ids:
///   {"at":...,"event":...,"reason":"<detail text>"}; the reason is
///   "undecodable" when that text starts so, else "refused", and the text
///   becomes the detail; the id is 0 until the background monitor numbers them;
/// - any other text: reason "undecodable", the text itself as queue_text.
/// The same rules are written in Lua in dead_letter_scripts.cpp (reason_of).
/// Thread-safe (pure).
DeadLetterEntry ReadDeadLetterRecord(std::string record);

}  // namespace flagmeter
