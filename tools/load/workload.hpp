#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "load/options.hpp"

namespace flagmeter::load {

/// Lowest and highest token count of a generated event (both included).
inline constexpr int kMinTokens = 100;
inline constexpr int kMaxTokens = 5099;  // the original k6 script: floor(random * 5000) + 100

/// The outcome of the checks on POST /api/events (k6 `check` names).
struct EventChecks {
  bool status_201 = false;      // "event status is 201"
  bool success_true = false;    // "event success is true"
  bool has_event_id = false;    // "event has eventId"
  bool All() const { return status_201 && success_true && has_event_id; }
};

/// The outcome of the checks on GET /api/usage/:tenant.
struct UsageChecks {
  bool status_200 = false;       // "usage status is 200"
  bool has_tenant_name = false;  // "usage has tenantName"
  bool has_quota_percent = false;  // "usage has quotaPercent"
  bool All() const { return status_200 && has_tenant_name && has_quota_percent; }
};

EventChecks CheckEventAnswer(int status, std::string_view body);
UsageChecks CheckUsageAnswer(int status, std::string_view body);

/// Percent-encodes everything but RFC 3986 unreserved characters.
std::string PercentEncode(std::string_view text);

/// The requests a run sends, prepared once: tenant names with the prefix,
/// their JSON-escaped forms and usage paths. Immutable after construction,
/// so shared by all threads.
class Workload final {
 public:
  explicit Workload(const Options& options);

  std::size_t tenant_count() const { return tenants_.size(); }
  std::size_t feature_count() const { return features_json_.size(); }
  /// The tenant's full name (prefix included), as counted by the service.
  const std::string& tenant(std::size_t index) const { return tenants_[index]; }
  const std::vector<std::string>& tenants() const { return tenants_; }
  /// The POST /api/events body for one event.
  std::string EventBody(std::size_t tenant, std::size_t feature, int tokens) const;
  const std::string& events_path() const { return events_path_; }
  const std::string& usage_path(std::size_t tenant) const { return usage_paths_[tenant]; }
  const std::string& metrics_path() const { return metrics_path_; }

 private:
  std::vector<std::string> tenants_;
  std::vector<std::string> tenants_json_;
  std::vector<std::string> features_json_;
  std::vector<std::string> usage_paths_;
  std::string events_path_;
  std::string metrics_path_;
};

}  // namespace flagmeter::load
