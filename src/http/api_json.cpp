#include "flagmeter/http/api_json.hpp"

#include <nlohmann/json.hpp>

#include "flagmeter/core/json_text.hpp"
#include "flagmeter/core/rfc3339.hpp"
#include "flagmeter/core/token_sum.hpp"

namespace flagmeter {

namespace {

// Error messages quote what the client sent (a path, a method, a key id), in
// which any byte may appear: invalid UTF-8 becomes U+FFFD instead of making
// the strict serializer throw, so every error body is valid JSON.
std::string DumpLenient(const nlohmann::json& body) {
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string ErrorJson(std::string_view message) { return DumpLenient({{"error", message}}); }

std::string ValidationErrorJson(const std::vector<FieldError>& details) {
  nlohmann::json list = nlohmann::json::array();
  for (const FieldError& detail : details) list.push_back({{"path", detail.path}, {"message", detail.message}});
  return DumpLenient({{"error", "Invalid request body"}, {"details", std::move(list)}});
}

std::string NoRouteMessage(std::string_view method, std::string_view target) {
  return "No route for " + std::string(method) + " " + std::string(target.substr(0, 200));
}

std::string MethodNotAllowedMessage(std::string_view method, std::string_view allow) {
  return "Method " + std::string(method) + " is not allowed here; use " + std::string(allow);
}

// The answer to every accepted POST: written directly, since building a JSON
// document per request cost more than the rest of the answer.
std::string AcceptedJson(const ParsedEvents& accepted) {
  std::string out;
  if (!accepted.is_batch) {
    const std::string& id = accepted.events.front().id;
    out.reserve(id.size() + 32);
    out += R"({"success":true,"eventId":)";
    AppendJsonString(id, out);
    out += '}';
    return out;
  }
  out.reserve(accepted.events.size() * 40 + 48);
  out += R"({"success":true,"eventIds":[)";
  for (std::size_t i = 0; i < accepted.events.size(); ++i) {
    if (i != 0) out += ',';
    AppendJsonString(accepted.events[i].id, out);
  }
  out += R"(],"count":)";
  AppendJsonInteger(static_cast<std::int64_t>(accepted.events.size()), out);
  out += '}';
  return out;
}

// Every usage read answers with this; written directly like AcceptedJson.
// Sums may pass 2^63, so they are written as their exact digits.
std::string UsageJson(const TenantUsage& usage) {
  std::string out;
  out.reserve(256 + usage.features.size() * 64);
  out += R"({"tenant":)";
  AppendJsonString(usage.tenant_id, out);
  out += R"(,"tenantName":)";
  AppendJsonString(usage.tenant_name, out);
  out += R"(,"totalTokens":)";
  AppendTokenSum(usage.total_tokens, out);
  out += R"(,"monthlyQuota":)";
  AppendJsonInteger(usage.monthly_quota, out);
  out += R"(,"quotaPercent":)";
  out += QuotaPercentText(usage.total_tokens, usage.monthly_quota);
  out += R"(,"billingDay":)";
  AppendJsonInteger(usage.billing_day, out);
  // RFC 3339 text needs no escaping.
  out += R"(,"periodStart":")";
  AppendRfc3339(usage.period_start_ms, out);
  out += R"(","periodEnd":")";
  AppendRfc3339(usage.period_end_ms, out);
  out += R"(","features":[)";
  for (std::size_t i = 0; i < usage.features.size(); ++i) {
    const FeatureUsage& feature = usage.features[i];
    if (i != 0) out += ',';
    out += R"({"feature":)";
    AppendJsonString(feature.feature, out);
    out += R"(,"tokens":)";
    AppendTokenSum(feature.tokens, out);
    out += R"(,"events":)";
    AppendJsonInteger(feature.events, out);
    out += '}';
  }
  out += ']';
  // Only when features were left out, so small tenants' answers are unchanged.
  if (const OtherFeatures& other = usage.other_features; other.count > 0) {
    out += R"(,"otherFeatures":{"count":)";
    AppendJsonInteger(other.count, out);
    out += R"(,"tokens":)";
    AppendTokenSum(other.tokens, out);
    out += R"(,"events":)";
    AppendJsonInteger(other.events, out);
    out += '}';
  }
  out += '}';
  return out;
}

HealthState HealthStateOf(const HealthSnapshot& health) {
  if (!health.database_up || !health.valkey_up) return HealthState::kUnhealthy;
  for (const ThreadHealth::Group& group : health.threads) {
    if (group.running < group.expected) return HealthState::kDegraded;
  }
  return HealthState::kHealthy;
}

std::string HealthJson(const HealthSnapshot& health, std::int64_t now_ms) {
  static constexpr const char* kStates[] = {"healthy", "degraded", "unhealthy"};
  nlohmann::ordered_json threads = nlohmann::ordered_json::object();
  for (const ThreadHealth::Group& group : health.threads) {
    threads[std::string(ThreadGroupName(group.group))] = {
        {"expected", group.expected}, {"running", group.running}, {"restarts", group.restarts}};
  }
  nlohmann::ordered_json body = {
      {"status", kStates[static_cast<int>(HealthStateOf(health))]},
      {"timestamp", FormatRfc3339(now_ms)},
      {"services", {{"database", health.database_up ? "up" : "down"}, {"valkey", health.valkey_up ? "up" : "down"}}},
      {"threads", std::move(threads)},
  };
  return body.dump();
}

}  // namespace flagmeter
