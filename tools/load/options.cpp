#include "load/options.hpp"

#include <charconv>
#include <functional>
#include <map>
#include <random>
#include <set>

namespace flagmeter::load {
namespace {

using Setter = std::function<Status(std::string_view)>;

// What the command line said before the pieces are combined into a profile.
struct Raw {
  std::string profile;  // seed | short
  std::string stages;
  int vus = 0;
  Millis duration{0};
  bool short_flag = false;
};

template <typename Number>
Status ParseNumber(std::string_view name, std::string_view text, Number min, Number* out) {
  Number value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min) {
    return Status::InvalidArgument(std::string(name) + " expects a number >= " + std::to_string(min) + ", got '" +
                                   std::string(text) + "'");
  }
  *out = value;
  return Status::Ok();
}

Status ParseList(std::string_view name, std::string_view text, std::vector<std::string>* out) {
  out->clear();
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    if (comma == start) return Status::InvalidArgument(std::string(name) + " has an empty item in '" + std::string(text) + "'");
    out->emplace_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return Status::Ok();
}

Status SetDuration(std::string_view name, std::string_view text, Millis* out) {
  Result<Millis> parsed = ParseDuration(text);
  if (!parsed.ok()) return parsed.status().WithContext(std::string(name));
  *out = *parsed;
  return Status::Ok();
}

std::string AutoPrefix() {
  std::random_device device;
  const std::uint64_t bits = (std::uint64_t{device()} << 32) | device();
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(bits));
  return "load-" + std::string(hex, 8) + "-";
}

std::map<std::string, Setter, std::less<>> ValueOptions(Options& o, Raw& raw) {
  return {
      {"--base-url", [&](std::string_view v) { o.base_url_text = v; return Status::Ok(); }},
      {"--profile", [&](std::string_view v) { raw.profile = v; return Status::Ok(); }},
      {"--stages", [&](std::string_view v) { raw.stages = v; return Status::Ok(); }},
      {"--vus", [&](std::string_view v) { return ParseNumber("--vus", v, 1, &raw.vus); }},
      {"--duration", [&](std::string_view v) { return SetDuration("--duration", v, &raw.duration); }},
      {"--rate", [&](std::string_view v) { return ParseNumber("--rate", v, 0.001, &o.rate); }},
      {"--connections", [&](std::string_view v) { return ParseNumber("--connections", v, 1, &o.connections); }},
      {"--tenants", [&](std::string_view v) { return ParseList("--tenants", v, &o.tenants); }},
      {"--features", [&](std::string_view v) { return ParseList("--features", v, &o.features); }},
      {"--tenant-prefix", [&](std::string_view v) { o.tenant_prefix = v == "auto" ? AutoPrefix() : std::string(v); return Status::Ok(); }},
      {"--seed", [&](std::string_view v) { o.seed_given = true; return ParseNumber("--seed", v, std::uint64_t{0}, &o.seed); }},
      {"--json", [&](std::string_view v) { o.json_path = v; return Status::Ok(); }},
      {"--threads", [&](std::string_view v) { return ParseNumber("--threads", v, 1, &o.threads); }},
      {"--usage-ratio", [&](std::string_view v) { return ParseNumber("--usage-ratio", v, 0.0, &o.usage_probability); }},
      {"--max-sleep", [&](std::string_view v) { return SetDuration("--max-sleep", v, &o.max_sleep); }},
      {"--timeout", [&](std::string_view v) { return SetDuration("--timeout", v, &o.request_timeout); }},
      {"--drain-timeout", [&](std::string_view v) { return SetDuration("--drain-timeout", v, &o.drain_timeout); }},
      {"--progress", [&](std::string_view v) { return SetDuration("--progress", v, &o.progress_interval); }},
  };
}

// Turns the profile-related options into one mode and profile, refusing
// combinations that would leave the run ambiguous.
Status ResolveProfile(Options& o, const Raw& raw) {
  const int chosen = !raw.profile.empty() + raw.short_flag + !raw.stages.empty() + (raw.vus > 0) + (o.rate > 0);
  if (chosen > 1) {
    return Status::InvalidArgument("choose one of --profile, --short, --stages, --vus/--duration and --rate/--duration");
  }
  if (o.rate > 0) {
    o.mode = Mode::kArrivalRate;
    o.profile_name = "rate";
    if (raw.duration.count() > 0) o.rate_duration = raw.duration;
    return Status::Ok();
  }
  if (raw.duration.count() > 0 && raw.vus == 0) return Status::InvalidArgument("--duration needs --vus or --rate");
  if (raw.vus > 0) {
    if (raw.duration.count() == 0) return Status::InvalidArgument("--vus needs --duration (e.g. --duration 30s)");
    o.profile_name = "constant";
    o.profile = ConstantProfile(raw.vus, raw.duration);
  } else if (!raw.stages.empty()) {
    Result<Profile> parsed = ParseStages(raw.stages);
    if (!parsed.ok()) return parsed.status().WithContext("--stages");
    o.profile_name = "stages";
    o.profile = *parsed;
  } else if (raw.short_flag || raw.profile == "short") {
    o.profile_name = "short";
    o.profile = ShortProfile();
  } else if (raw.profile.empty() || raw.profile == "seed") {
    o.profile_name = "seed";
    o.profile = SeedProfile();
  } else {
    return Status::InvalidArgument("--profile expects seed or short, got '" + raw.profile + "'");
  }
  return Status::Ok();
}

Status Validate(Options& o) {
  Result<BaseUrl> url = ParseBaseUrl(o.base_url_text);
  if (!url.ok()) return url.status().WithContext("--base-url");
  o.base_url = *url;
  if (o.usage_probability > 1) return Status::InvalidArgument("--usage-ratio must be within 0..1");
  if (o.request_timeout.count() <= 0) return Status::InvalidArgument("--timeout must be above 0");
  const std::set<std::string> unique(o.tenants.begin(), o.tenants.end());
  if (unique.size() != o.tenants.size()) return Status::InvalidArgument("--tenants lists a tenant twice");
  if (!o.seed_given) o.seed = std::random_device{}();
  return Status::Ok();
}

}  // namespace

Result<BaseUrl> ParseBaseUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    return Status::InvalidArgument("'" + std::string(url) + "' is not an http:// URL (https is not supported)");
  }
  std::string_view rest = url.substr(kScheme.size());
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  BaseUrl parsed{"", "80", std::string(path)};
  std::size_t colon = authority.rfind(':');
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return Status::InvalidArgument("unclosed '[' in '" + std::string(url) + "'");
    parsed.host = authority.substr(1, close - 1);
    colon = close + 1 < authority.size() && authority[close + 1] == ':' ? close + 1 : std::string_view::npos;
  } else {
    parsed.host = authority.substr(0, colon);
  }
  if (colon != std::string_view::npos) parsed.port = authority.substr(colon + 1);
  int port = 0;
  if (parsed.host.empty() || ParseNumber("port", parsed.port, 1, &port).code() != Status::Code::kOk || port > 65535) {
    return Status::InvalidArgument("'" + std::string(url) + "' needs a host and a port within 1..65535");
  }
  return parsed;
}

std::string HostHeader(const BaseUrl& url) {
  const bool ipv6 = url.host.find(':') != std::string::npos;
  const std::string host = ipv6 ? "[" + url.host + "]" : url.host;
  return url.port == "80" ? host : host + ":" + url.port;
}

Result<CommandLine> ParseCommandLine(const std::vector<std::string>& args) {
  CommandLine result;
  Options& o = result.options;
  Raw raw;
  const auto value_options = ValueOptions(o, raw);
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i];
    std::string value;
    const std::size_t equals = name.find('=');
    const bool inline_value = name.rfind("--", 0) == 0 && equals != std::string::npos;
    if (inline_value) {
      value = name.substr(equals + 1);
      name.resize(equals);
    }
    if (name == "-h" || name == "--help") { result.help = true; return result; }
    if (name == "--short") { raw.short_flag = true; continue; }
    if (name == "--no-conservation") { o.conservation = false; continue; }
    if (name == "--fail-on-thresholds") { o.fail_on_thresholds = true; continue; }
    const auto it = value_options.find(name);
    if (it == value_options.end()) return Status::InvalidArgument("unknown option '" + name + "' (see --help)");
    if (!inline_value) {
      if (i + 1 >= args.size()) return Status::InvalidArgument(name + " needs a value (see --help)");
      value = args[++i];
    }
    if (Status set = it->second(value); !set.ok()) return set;
  }
  if (Status resolved = ResolveProfile(o, raw); !resolved.ok()) return resolved;
  if (Status valid = Validate(o); !valid.ok()) return valid;
  return result;
}

}  // namespace flagmeter::load
