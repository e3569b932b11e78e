#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "flagmeter/core/status.hpp"
#include "flagmeter/core/token_sum.hpp"
#include "flagmeter/store/tenant_page.hpp"

namespace flagmeter {

/// A tenant's settings and its usage in the billing period containing the
/// instant it was read at.
struct TenantOverview {
  std::string tenant_id;  // UUID
  std::string tenant_name;
  std::int64_t monthly_quota = 0;
  int billing_day = 1;                     // 1..28
  std::optional<std::string> webhook_url;  // none: no alerts are sent
  std::vector<int> alert_thresholds;       // percent of the quota, ascending
  TokenSum total_tokens = 0;               // in [period_start_ms, period_end_ms)
  std::int64_t period_start_ms = 0;
  std::int64_t period_end_ms = 0;
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
};

/// One page of tenants (TenantPageRequest), by name (bytewise).
struct TenantOverviewPage {
  std::vector<TenantOverview> tenants;     // at most the request's limit
  std::optional<std::string> next_after;   // the last name here when more tenants follow; none: the last page
};

/// An API key as stored: never the key itself.
struct ApiKeyInfo {
  std::string key_id;
  std::string hint;  // the key's last characters, to tell keys apart
  std::int64_t created_at_ms = 0;
  std::optional<std::int64_t> revoked_at_ms;
  std::int64_t version = 0;  // the key change counter of its last change
};

struct TenantDetails {
  TenantOverview overview;
  std::vector<ApiKeyInfo> keys;  // oldest first
};

/// A change to a tenant's settings; a field left empty keeps its value (or
/// its default when the tenant is created).
struct TenantUpdate {
  std::optional<std::int64_t> monthly_quota;
  std::optional<int> billing_day;
  bool set_webhook_url = false;            // true: webhook_url replaces the value (none clears it)
  std::optional<std::string> webhook_url;
  std::optional<std::vector<int>> alert_thresholds;
};

/// What the key cache knows of one key, by the SHA-256 of the key.
struct ApiKeyEntry {
  std::string key_hash;  // lower-case hex SHA-256 of the whole key
  std::string tenant_name;
  bool revoked = false;
  std::int64_t version = 0;  // the change counter when this state was written
};

/// Tenants and API keys in PostgreSQL. Blocking; owned by one thread (each
/// user has its own connection). Every call returns Unavailable when the
/// database cannot be reached, Internal for anything unexpected.
class TenantStore {
 public:
  virtual ~TenantStore() = default;

  /// The tenants of `page`, by name (bytewise), with usage in their period
  /// at `now_ms`. Reads at most page.limit + 1 tenants, whatever their number.
  virtual Result<TenantOverviewPage> ListTenants(std::int64_t now_ms, const TenantPageRequest& page) = 0;

  /// One tenant with its keys. NotFound("Tenant '<name>' not found").
  virtual Result<TenantDetails> GetTenant(const std::string& name, std::int64_t now_ms) = 0;

  /// The names among `names` that exist once the call returns. When
  /// `create`, those that do not exist yet are created with the defaults
  /// (what a tenant's first event does) while there are fewer than
  /// `max_tenants` tenants in all, the rest left out; existing ones are left
  /// alone. Safe to call from several processes at once: the bound holds.
  virtual Result<std::vector<std::string>> AdmitTenants(const std::vector<std::string>& names, bool create,
                                                        std::int64_t max_tenants) = 0;

  /// Creates the tenant or changes it; `created` tells which happened.
  virtual Result<TenantDetails> PutTenant(const std::string& name, const TenantUpdate& update, std::int64_t now_ms,
                                          bool& created) = 0;

  /// Stores a new key of tenant `name`. NotFound when there is no such tenant.
  virtual Result<ApiKeyInfo> CreateKey(const std::string& name, const std::string& key_id,
                                       const std::string& key_hash, const std::string& hint) = 0;

  /// Revokes key `key_id` of tenant `name`; revoking a revoked key is fine.
  /// Returns the key's state now. NotFound when the tenant has no such key.
  virtual Result<ApiKeyEntry> RevokeKey(const std::string& name, const std::string& key_id) = 0;

  /// Keys whose state changed after `version`, in version order, at most `limit`.
  virtual Result<std::vector<ApiKeyEntry>> KeysChangedSince(std::int64_t version, int limit) = 0;

  /// The key with this hash, or none.
  virtual Result<std::optional<ApiKeyEntry>> FindKey(const std::string& key_hash) = 0;
};

}  // namespace flagmeter
