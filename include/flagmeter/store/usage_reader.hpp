#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "flagmeter/core/status.hpp"
#include "flagmeter/core/token_sum.hpp"

namespace flagmeter {

struct FeatureUsage {
  std::string feature;
  TokenSum tokens = 0;  // may exceed 2^63 (core/token_sum.hpp)
  std::int64_t events = 0;
};

/// The features of a usage answer beyond the ones it lists, summed.
struct OtherFeatures {
  std::int64_t count = 0;  // features folded in; 0: every feature is listed
  TokenSum tokens = 0;
  std::int64_t events = 0;
};

/// A tenant's usage in the billing period that contains a given instant.
struct TenantUsage {
  std::string tenant_id;  // UUID
  std::string tenant_name;
  std::int64_t monthly_quota = 0;
  int billing_day = 1;  // 1..28
  TokenSum total_tokens = 0;
  std::int64_t period_start_ms = 0;  // inclusive, Unix ms UTC
  std::int64_t period_end_ms = 0;    // exclusive
  std::vector<FeatureUsage> features;  // most tokens first (ties by name, bytewise)
  OtherFeatures other_features;        // the features a bounded read left out of `features`
};

/// Reads usage from the rollups. Blocking; owned by one query thread (each has
/// its own connection, apart from the workers').
class UsageReader {
 public:
  virtual ~UsageReader() = default;

  /// Usage of `tenant_name` in its billing period containing `now_ms`.
  /// `total_tokens` counts every feature; an implementation may list only
  /// the largest features and sum the rest in `other_features`. NotFound for a tenant that never sent an event; Unavailable when the
  /// database cannot be reached.
  virtual Result<TenantUsage> ReadUsage(const std::string& tenant_name, std::int64_t now_ms) = 0;

  /// Checks the database answers (for /api/health).
  virtual Status Ping() = 0;
};

}  // namespace flagmeter
