#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "flagmeter/core/token_sum.hpp"
#include "flagmeter/store/tenant_store.hpp"

namespace flagmeter {

/// The thresholds (percent of `monthly_quota`) that `total_tokens` has
/// reached: total * 100 >= quota * threshold, exactly (no rounding). None
/// when the quota is 0 (no quota: nothing to alert on). Order kept.
/// Thread-safe (pure).
std::vector<int> CrossedThresholds(TokenSum total_tokens, std::int64_t monthly_quota,
                                   const std::vector<int>& thresholds);

/// The Slack-compatible webhook body for `threshold` of `tenant`:
/// {"text": "..."} naming the tenant, the usage, the quota and the period.
/// Thread-safe (pure).
std::string AlertPayload(const TenantOverview& tenant, int threshold);

/// The X-FlagMeter-Signature header value, as Stripe signs its webhooks:
/// "t=<unix_seconds>,v1=<hex HMAC-SHA256 under secret of
/// "<unix_seconds>.<delivery_id>.<body>">". The time and the delivery id are
/// covered, so a receiver can refuse a replayed or re-targeted copy (see
/// docs/tenants.md). Thread-safe.
std::string WebhookSignature(const std::string& secret, std::int64_t unix_seconds, const std::string& delivery_id,
                             const std::string& body);

}  // namespace flagmeter
