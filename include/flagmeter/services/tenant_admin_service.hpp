#pragma once

#include <string>

#include "flagmeter/services/reply.hpp"
#include "flagmeter/store/tenant_page.hpp"
#include "flagmeter/store/tenant_store.hpp"
#include "flagmeter/tenants/api_keys.hpp"

namespace flagmeter {

/// What PutTenant did.
struct TenantWrite {
  TenantDetails details;
  bool created = false;             // the tenant did not exist before
  std::string webhook_url_refused;  // non-empty: why the webhook URL may not be stored; nothing was written
};

/// A key made by CreateKey: the key itself, shown once, and what is stored.
struct CreatedKey {
  NewApiKey key;
  ApiKeyInfo info;
};

/// The operations of the admin API on tenants and their API keys; tenant
/// names are already validated. Each calls `done` exactly once: on an admin
/// thread, or inline when refused (Overloaded beyond ADMIN_QUEUE,
/// Unavailable while stopping). Failures: NotFound (no such tenant or key),
/// Unavailable (the database), InvalidArgument (data the database refused),
/// Internal. Never blocks the caller.
/// Thread-safe.
class TenantAdminService {
 public:
  virtual ~TenantAdminService() = default;

  virtual void ListTenants(TenantPageRequest page, ReplyCallback<TenantOverviewPage> done) = 0;
  virtual void GetTenant(const std::string& tenant, ReplyCallback<TenantDetails> done) = 0;
  /// Creates or updates the tenant; its alerts are checked again after.
  virtual void PutTenant(const std::string& tenant, TenantUpdate update, ReplyCallback<TenantWrite> done) = 0;
  /// A new key of the tenant, valid on this instance at once and on the
  /// others on first use.
  virtual void CreateKey(const std::string& tenant, ReplyCallback<CreatedKey> done) = 0;
  /// Refused on this instance at once, on the others within
  /// API_KEY_REFRESH_MS.
  virtual void RevokeKey(const std::string& tenant, const std::string& key_id, ReplyCallback<ApiKeyEntry> done) = 0;
};

}  // namespace flagmeter
