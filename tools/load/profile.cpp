#include "load/profile.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

namespace flagmeter::load {
namespace {

// Tolerance for the floating comparisons at stage boundaries: a VU whose
// activation time computes to 29999.9999 ms must count as active at 30000.
constexpr double kEpsilon = 1e-9;

Result<int> ParseTarget(std::string_view text) {
  int value = -1;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) {
    return Status::InvalidArgument("VU target '" + std::string(text) + "' is not a whole number >= 0");
  }
  return value;
}

Result<double> UnitMillis(std::string_view unit) {
  if (unit == "ms") return 1.0;
  if (unit == "s" || unit.empty()) return 1000.0;
  if (unit == "m") return 60'000.0;
  if (unit == "h") return 3'600'000.0;
  return Status::InvalidArgument("unknown duration unit '" + std::string(unit) + "' (use ms, s, m or h)");
}

}  // namespace

Millis Profile::TotalDuration() const {
  Millis total{0};
  for (const Stage& stage : stages) total += stage.duration;
  return total;
}

int Profile::MaxVus() const {
  int most = start_vus;
  for (const Stage& stage : stages) most = std::max(most, stage.target);
  return most;
}

double Profile::VusAt(Millis elapsed) const {
  double from = start_vus;
  Millis begin{0};
  for (const Stage& stage : stages) {
    const Millis end = begin + stage.duration;
    if (elapsed < end) {
      const double fraction = static_cast<double>((elapsed - begin).count()) / stage.duration.count();
      return from + (stage.target - from) * std::max(0.0, fraction);
    }
    from = stage.target;
    begin = end;
  }
  return 0.0;
}

std::optional<Millis> Profile::NextActiveTime(int index, Millis from) const {
  const double needed = index + 1.0;
  double start_value = start_vus;
  Millis begin{0};
  for (const Stage& stage : stages) {
    const Millis end = begin + stage.duration;
    if (end > from && std::max(start_value, static_cast<double>(stage.target)) + kEpsilon >= needed) {
      const Millis at = std::max(begin, from);
      if (VusAt(at) + kEpsilon >= needed) return at;
      if (stage.target > start_value) {
        // Rising: solve start + (target - start) * (t - begin) / duration = needed.
        const double fraction = (needed - start_value) / (stage.target - start_value);
        const auto when = begin + Millis(static_cast<long long>(std::ceil(fraction * stage.duration.count() - kEpsilon)));
        if (when < end) return std::max(when, from);
      }
    }
    start_value = stage.target;
    begin = end;
  }
  return std::nullopt;
}

Profile SeedProfile() {
  using std::chrono::minutes;
  using std::chrono::seconds;
  return Profile{0, {{seconds(30), 100}, {minutes(1), 500}, {minutes(2), 1000}, {minutes(1), 1000}, {seconds(30), 0}}};
}

Profile ShortProfile() {
  Profile profile = SeedProfile();
  for (Stage& stage : profile.stages) stage.duration /= 10;
  return profile;
}

Profile ConstantProfile(int vus, Millis duration) { return Profile{vus, {{duration, vus}}}; }

Result<Profile> ParseStages(std::string_view text) {
  Profile profile;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    const std::size_t colon = item.find(':');
    if (colon == std::string_view::npos) {
      return Status::InvalidArgument("stage '" + std::string(item) + "' is not DURATION:TARGET (e.g. 30s:100)");
    }
    Result<Millis> duration = ParseDuration(item.substr(0, colon));
    if (!duration.ok()) return duration.status().WithContext("stage '" + std::string(item) + "'");
    Result<int> target = ParseTarget(item.substr(colon + 1));
    if (!target.ok()) return target.status().WithContext("stage '" + std::string(item) + "'");
    profile.stages.push_back(Stage{*duration, *target});
  }
  if (profile.stages.empty()) return Status::InvalidArgument("--stages needs at least one DURATION:TARGET");
  if (profile.TotalDuration().count() == 0) return Status::InvalidArgument("--stages last no time at all");
  return profile;
}

Result<Millis> ParseDuration(std::string_view text) {
  if (text.empty()) return Status::InvalidArgument("empty duration");
  double total = 0;
  std::string_view rest = text;
  while (!rest.empty()) {
    double number = 0;
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), number);
    if (ec != std::errc() || number < 0) {
      return Status::InvalidArgument("duration '" + std::string(text) + "' is not like 500ms, 30s, 2m or 1m30s");
    }
    rest.remove_prefix(static_cast<std::size_t>(end - rest.data()));
    std::size_t unit_length = 0;
    while (unit_length < rest.size() && std::isalpha(static_cast<unsigned char>(rest[unit_length]))) ++unit_length;
    Result<double> unit = UnitMillis(rest.substr(0, unit_length));
    if (!unit.ok()) return unit.status().WithContext("duration '" + std::string(text) + "'");
    total += number * *unit;
    rest.remove_prefix(unit_length);
  }
  return Millis(static_cast<long long>(std::llround(total)));
}

std::string FormatDuration(Millis duration) {
  const long long ms = duration.count();
  if (ms % 1000 != 0) return std::to_string(ms) + "ms";
  const long long minutes = ms / 60'000;
  const long long seconds = (ms / 1000) % 60;
  if (minutes == 0) return std::to_string(seconds) + "s";
  return std::to_string(minutes) + "m" + (seconds ? std::to_string(seconds) + "s" : "");
}

}  // namespace flagmeter::load
