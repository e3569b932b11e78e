#include "flagmeter/core/uuid.hpp"

#include <random>

namespace flagmeter {
namespace {

constexpr std::uint64_t kTimestampMask = (std::uint64_t{1} << 48) - 1;
constexpr std::uint32_t kCounterMax = 0xFFF;
// A fresh millisecond starts the counter below half its range, leaving at
// least 2048 increments before it must borrow the next millisecond.
constexpr std::uint32_t kCounterSeedMask = 0x7FF;

struct Generator {
  Generator() {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    engine.seed(seed);
  }

  std::mt19937_64 engine;
  std::uint64_t last_ms = 0;
  std::uint32_t counter = 0;
  bool started = false;
};

// Advances the per-thread (timestamp, counter) pair so that it is strictly
// greater than the one handed out before.
void Advance(Generator& gen, std::uint64_t now_ms) {
  if (!gen.started || now_ms > gen.last_ms) {
    gen.started = true;
    gen.last_ms = now_ms;
    gen.counter = static_cast<std::uint32_t>(gen.engine()) & kCounterSeedMask;
    return;
  }
  if (gen.counter < kCounterMax) {
    ++gen.counter;
    return;
  }
  // Counter exhausted within one millisecond (or the clock went back):
  // borrow the next millisecond rather than break the ordering.
  gen.last_ms = (gen.last_ms + 1) & kTimestampMask;
  gen.counter = 0;
}

void PutHex(std::uint64_t value, int nibbles, char* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = nibbles - 1; i >= 0; --i) {
    out[i] = kHex[value & 0xF];
    value >>= 4;
  }
}

}  // namespace

std::string NewUuidV7(std::int64_t now_ms) {
  thread_local Generator gen;
  Advance(gen, static_cast<std::uint64_t>(now_ms) & kTimestampMask);
  const std::uint64_t random = gen.engine();

  // Fields in textual order: 32-bit and 16-bit halves of the timestamp,
  // version + counter, variant + 14 random bits, then 48 random bits.
  std::string text(36, '-');
  PutHex(gen.last_ms >> 16, 8, &text[0]);
  PutHex(gen.last_ms & 0xFFFF, 4, &text[9]);
  PutHex((std::uint64_t{7} << 12) | gen.counter, 4, &text[14]);
  PutHex((std::uint64_t{0b10} << 14) | ((random >> 48) & 0x3FFF), 4, &text[19]);
  PutHex(random & 0xFFFF'FFFF'FFFF, 12, &text[24]);
  return text;
}

}  // namespace flagmeter
