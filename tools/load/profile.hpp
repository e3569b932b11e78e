#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "flagmeter/core/status.hpp"

namespace flagmeter::load {

using Millis = std::chrono::milliseconds;

/// One stage of a ramping profile: over `duration`, the number of virtual
/// users moves linearly from the previous stage's target to `target`
/// (k6 `ramping-vus` semantics).
struct Stage {
  Millis duration{0};
  int target = 0;
};

/// A virtual-user profile: `start_vus` at time 0, then the stages in order.
/// A constant profile is one stage whose target equals `start_vus`.
/// A value type; thread-compatible.
struct Profile {
  int start_vus = 0;
  std::vector<Stage> stages;

  Millis TotalDuration() const;
  /// The largest number of VUs the profile ever asks for.
  int MaxVus() const;
  /// The (fractional) number of VUs the profile asks for at `elapsed`;
  /// 0 after the end.
  double VusAt(Millis elapsed) const;
  /// The earliest time >= `from` at which VU `index` (0-based) is active,
  /// that is floor(VusAt(t)) > index; nullopt when it never is again before
  /// the end.
  std::optional<Millis> NextActiveTime(int index, Millis from) const;
};

/// The seed's k6 profile: 0→100 over 30 s, →500 over 1 min, →1000 over
/// 2 min, hold 1000 for 1 min, →0 over 30 s (5 min).
Profile SeedProfile();

/// The seed's shape in 30 s (every stage a tenth as long, same targets).
Profile ShortProfile();

/// `vus` VUs from start to end.
Profile ConstantProfile(int vus, Millis duration);

/// "30s:100,1m:500,2m:1000" → stages. Durations as ParseDuration accepts.
Result<Profile> ParseStages(std::string_view text);

/// "500ms", "15s", "2m", "1h", "1m30s" → milliseconds; a bare number is
/// seconds. Rejects empty, negative and unknown units.
Result<Millis> ParseDuration(std::string_view text);

/// "1m30s" style; the inverse of ParseDuration for whole seconds.
std::string FormatDuration(Millis duration);

}  // namespace flagmeter::load
