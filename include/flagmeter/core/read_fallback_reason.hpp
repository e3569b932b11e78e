#pragma once

#include <array>
#include <string_view>

namespace flagmeter {

/// Why reads meant for the hot standby (DATABASE_READ_URL) went to the
/// primary: the label of flagmeter_database_read_fallbacks_total. The label
/// takes no other values, and every one is exported (at 0) from the start.
enum class ReadFallbackReason {
  kUnreachable,  // "unreachable": the lag check or a read could not reach the standby
  kLagging,      // "lagging": its replay lags more than MAX_READ_LAG_MS (or by an unknown amount)
  kNotStandby,   // "not_standby": the server is not in recovery (promoted, or not a standby at all)
};

inline constexpr std::array<std::string_view, 3> kReadFallbackReasonLabels = {"unreachable", "lagging",
                                                                               "not_standby"};

}  // namespace flagmeter
