#include "flagmeter/tenants/tenant_settings.hpp"

#include <algorithm>
#include <charconv>
#include <set>

#include <nlohmann/json.hpp>

namespace flagmeter {
namespace {

using nlohmann::json;

constexpr std::string_view kFields[] = {"monthlyQuota", "billingDay", "webhookUrl", "alertThresholds"};

// An integer literal within [min, max], or a sentence saying what is wrong.
std::optional<std::string> IntegerProblem(const json& value, std::int64_t min, std::int64_t max) {
  const std::string range = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (!value.is_number_integer()) return "must be " + range;
  // nlohmann reads every literal without a sign as unsigned.
  if (value.is_number_unsigned()) {
    const auto number = value.get<std::uint64_t>();
    if (number > static_cast<std::uint64_t>(max) || (min > 0 && number < static_cast<std::uint64_t>(min))) {
      return "must be " + range;
    }
    return std::nullopt;
  }
  const auto number = value.get<std::int64_t>();
  if (number < min || number > max) return "must be " + range;
  return std::nullopt;
}

void ParseThresholds(const json& value, TenantUpdate& update, std::vector<FieldError>& errors) {
  constexpr std::string_view kPath = "alertThresholds";
  if (!value.is_array() || value.empty() || value.size() > kMaxThresholds) {
    errors.push_back({std::string(kPath), "alertThresholds must be an array of 1 to 10 percentages"});
    return;
  }
  std::set<int> seen;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const std::string path = std::string(kPath) + "[" + std::to_string(i) + "]";
    if (auto problem = IntegerProblem(value[i], 1, kMaxThresholdPercent)) {
      errors.push_back({path, "a threshold " + *problem + " (percent of the quota)"});
    } else if (!seen.insert(value[i].get<int>()).second) {
      errors.push_back({path, "threshold " + std::to_string(value[i].get<int>()) + " appears twice"});
    }
  }
  update.alert_thresholds = std::vector<int>(seen.begin(), seen.end());
}

void ParseWebhookField(const json& value, TenantUpdate& update, std::vector<FieldError>& errors) {
  update.set_webhook_url = true;
  if (value.is_null()) return;
  if (!value.is_string()) {
    errors.push_back({"webhookUrl", "webhookUrl must be an http:// or https:// URL, or null"});
    return;
  }
  const auto& text = value.get_ref<const std::string&>();
  Result<WebhookUrl> parsed = ParseWebhookUrl(text);
  if (!parsed.ok()) {
    errors.push_back({"webhookUrl", "webhookUrl " + parsed.status().message()});
    return;
  }
  update.webhook_url = text;
}

void ParseField(const std::string& name, const json& value, TenantUpdate& update, std::vector<FieldError>& errors) {
  if (name == "monthlyQuota") {
    if (auto problem = IntegerProblem(value, 0, kMaxMonthlyQuota)) {
      errors.push_back({name, "monthlyQuota " + *problem + " (tokens per billing period)"});
    } else {
      update.monthly_quota = value.get<std::int64_t>();
    }
  } else if (name == "billingDay") {
    if (auto problem = IntegerProblem(value, 1, 28)) {
      errors.push_back({name, "billingDay " + *problem + " (day of the month the period starts, UTC)"});
    } else {
      update.billing_day = value.get<int>();
    }
  } else if (name == "webhookUrl") {
    ParseWebhookField(value, update, errors);
  } else if (name == "alertThresholds") {
    ParseThresholds(value, update, errors);
  } else {
    errors.push_back({name, "unknown field '" + name +
                                "'; the fields are monthlyQuota, billingDay, webhookUrl, alertThresholds"});
  }
}

}  // namespace

std::variant<TenantUpdate, std::vector<FieldError>> ParseTenantUpdate(std::string_view body) {
  const json document = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return std::vector<FieldError>{{"", "the body must be valid JSON (UTF-8)"}};
  if (!document.is_object()) {
    return std::vector<FieldError>{{"", "the body must be a JSON object with any of monthlyQuota, billingDay, "
                                        "webhookUrl, alertThresholds"}};
  }
  TenantUpdate update;
  std::vector<FieldError> errors;
  // Known fields first, in a fixed order, so the details read predictably.
  for (std::string_view field : kFields) {
    if (auto it = document.find(std::string(field)); it != document.end()) {
      ParseField(std::string(field), *it, update, errors);
    }
  }
  for (const auto& [name, value] : document.items()) {
    if (std::find(std::begin(kFields), std::end(kFields), name) == std::end(kFields)) {
      ParseField(name, value, update, errors);
    }
  }
  if (!errors.empty()) return errors;
  return update;
}

Result<WebhookUrl> ParseWebhookUrl(std::string_view url) {
  if (url.size() > kMaxWebhookUrlBytes) return Status::InvalidArgument("must be at most 2048 bytes");
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return Status::InvalidArgument("must not contain spaces or control characters");
    }
  }
  WebhookUrl parsed;
  std::string_view rest;
  if (url.starts_with("https://")) {
    parsed.https = true;
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else {
    return Status::InvalidArgument("must start with http:// or https://");
  }
  if (rest.find('#') != std::string_view::npos) return Status::InvalidArgument("must not have a #fragment");
  const std::size_t path_at = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_at);
  parsed.target = path_at == std::string_view::npos ? "/" : std::string(rest.substr(path_at));
  if (parsed.target.front() == '?') parsed.target.insert(0, "/");
  if (authority.find('@') != std::string_view::npos) return Status::InvalidArgument("must not contain user:password@");
  std::string_view port;
  if (authority.starts_with("[")) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return Status::InvalidArgument("has an unclosed [IPv6 address]");
    parsed.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(":")) return Status::InvalidArgument("has junk after the [IPv6 address]");
    if (!after.empty()) port = after.substr(1);
  } else {
    const std::size_t colon = authority.rfind(':');
    parsed.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (parsed.host.empty()) return Status::InvalidArgument("must name a host");
  int port_number = parsed.https ? 443 : 80;
  if (!port.empty()) {
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), port_number);
    if (ec != std::errc() || end != port.data() + port.size() || port_number < 1 || port_number > 65535) {
      return Status::InvalidArgument("has a bad port (1..65535)");
    }
  }
  parsed.port = std::to_string(port_number);
  return parsed;
}

}  // namespace flagmeter
