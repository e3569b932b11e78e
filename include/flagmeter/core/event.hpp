#pragma once

#include <cstdint>
#include <string>

namespace flagmeter {

/// The most tokens one event may carry: 2^53 - 1, exact in a double (and
/// in JavaScript clients). Every reader of events checks against this one.
inline constexpr std::int64_t kMaxEventTokens = 9'007'199'254'740'991;

/// One usage event, validated, as it travels through the queue into the store.
struct Event {
  std::string id;                  // client idempotency key, or a server-made UUIDv7
  std::string tenant;              // tenant name, 1..128 bytes of UTF-8
  std::string feature;             // feature name, same rule as tenant
  std::int64_t tokens = 0;         // 1 .. 2^53-1
  std::int64_t occurred_at_ms = 0; // event time, Unix milliseconds UTC
  std::int64_t received_at_ms = 0; // when this server accepted it, Unix milliseconds UTC
  std::int64_t accept_seq = 0;     // order of acceptance across all instances, stamped by the
                                   // queue (0: not stamped); the first accepted copy of an id wins

  friend bool operator==(const Event&, const Event&) = default;
};

}  // namespace flagmeter
