#include "load/workload.hpp"

#include <cctype>

#include <nlohmann/json.hpp>

namespace flagmeter::load {

EventChecks CheckEventAnswer(int status, std::string_view body) {
  EventChecks checks;
  checks.status_201 = status == 201;
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_object()) {
    const auto success = json.find("success");
    checks.success_true = success != json.end() && success->is_boolean() && success->get<bool>();
    const auto id = json.find("eventId");
    checks.has_event_id = id != json.end() && id->is_string() && !id->get_ref<const std::string&>().empty();
  }
  return checks;
}

UsageChecks CheckUsageAnswer(int status, std::string_view body) {
  UsageChecks checks;
  checks.status_200 = status == 200;
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_object()) {
    checks.has_tenant_name = json.contains("tenantName");
    checks.has_quota_percent = json.contains("quotaPercent");
  }
  return checks;
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out += {'%', kHex[byte >> 4], kHex[byte & 0xF]};
    }
  }
  return out;
}

Workload::Workload(const Options& options)
    : events_path_(options.base_url.path_prefix + "/api/events"),
      metrics_path_(options.base_url.path_prefix + "/metrics") {
  for (const std::string& name : options.tenants) {
    tenants_.push_back(options.tenant_prefix + name);
    tenants_json_.push_back(nlohmann::json(tenants_.back()).dump());
    usage_paths_.push_back(options.base_url.path_prefix + "/api/usage/" + PercentEncode(tenants_.back()));
  }
  for (const std::string& feature : options.features) features_json_.push_back(nlohmann::json(feature).dump());
}

std::string Workload::EventBody(std::size_t tenant, std::size_t feature, int tokens) const {
  std::string body;
  body.reserve(96);
  body += "{\"tenant\":";
  body += tenants_json_[tenant];
  body += ",\"feature\":";
  body += features_json_[feature];
  body += ",\"tokens\":";
  body += std::to_string(tokens);
  body += '}';
  return body;
}

}  // namespace flagmeter::load
