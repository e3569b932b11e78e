#pragma once

namespace flagmeter {

/// Why the worker set an event aside: the `reason` of a dead-letter record
/// and the label of flagmeter_events_dead_lettered_total. The label takes no
/// other values, and every one is exported (at 0) from the start.
enum class DeadLetterReason {
  kUndecodable,  // "undecodable": a queue entry that does not decode as an event
  kRefused,      // "refused": an event the store refused on every try
};

}  // namespace flagmeter
