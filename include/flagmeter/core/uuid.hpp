#pragma once

#include <cstdint>
#include <string>

namespace flagmeter {

/// A new RFC 9562 UUIDv7 in lower-case 8-4-4-4-12 form: the low 48 bits of
/// `now_ms` (Unix milliseconds) as timestamp, version 7, variant 0b10, a
/// 12-bit counter in rand_a (RFC 9562 method 1) and 62 random bits.
/// Within one thread the results are strictly increasing as strings and as
/// bytes, also for repeated or decreasing `now_ms`: the counter starts at a
/// random value below 2048 for each new millisecond, and when it overflows
/// (or the clock goes back) the timestamp of the previous value is carried on.
/// Thread-safe: the state (a 64-bit engine seeded from std::random_device) is
/// per thread; no locks. Not for secrets: the engine is not cryptographic.
std::string NewUuidV7(std::int64_t now_ms);

}  // namespace flagmeter
