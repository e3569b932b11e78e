#pragma once

#include <chrono>
#include <cstdint>

namespace flagmeter {

/// Wall-clock time as Unix milliseconds UTC.
inline std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace flagmeter
