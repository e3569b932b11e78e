#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "flagmeter/core/status.hpp"
#include "flagmeter/ingest/event_parser.hpp"
#include "flagmeter/store/tenant_store.hpp"

namespace flagmeter {

inline constexpr std::int64_t kMaxMonthlyQuota = 9007199254740991;  // 2^53-1, as tokens
inline constexpr std::size_t kMaxWebhookUrlBytes = 2048;
inline constexpr std::size_t kMaxThresholds = 10;
inline constexpr int kMaxThresholdPercent = 1000;

/// Parses and validates a PUT /api/tenants/:tenant body: a JSON object with
/// any of
///   monthlyQuota     integer literal 0..2^53-1 (tokens per billing period);
///   billingDay       integer 1..28 (the period starts that day, 00:00 UTC);
///   webhookUrl       http:// or https:// URL (see ParseWebhookUrl), or null to clear it;
///   alertThresholds  array of 1..10 distinct integers 1..1000 (percent of the quota).
/// A field left out keeps its value. Other fields are errors (a misspelt
/// field must not be silently ignored). Returns every problem found, with its
/// path ("alertThresholds[2]"; "" for the body as a whole). Thresholds come
/// back sorted ascending. Thread-safe (pure).
std::variant<TenantUpdate, std::vector<FieldError>> ParseTenantUpdate(std::string_view body);

/// The parts of a webhook URL the sender needs.
struct WebhookUrl {
  bool https = false;
  std::string host;  // name or IPv4 address; [IPv6] without brackets
  std::string port;  // "80" / "443" when the URL names none
  std::string target;  // path and query, "/" when empty
};

/// Parses an absolute http:// or https:// URL with a host, at most 2048
/// bytes, no user info, no fragment, no spaces or control characters.
/// InvalidArgument with a sentence saying what is wrong. Thread-safe (pure).
Result<WebhookUrl> ParseWebhookUrl(std::string_view url);

}  // namespace flagmeter
