#pragma once

#include <functional>
#include <string>

#include "flagmeter/core/status.hpp"
#include "flagmeter/services/tenant_admin_service.hpp"
#include "flagmeter/core/work_pool.hpp"

namespace flagmeter {

class KeyRegistry;
class TenantStore;

/// The admin threads: each with its own TenantStore (its own PostgreSQL
/// connection), so an admin call never waits behind a worker's batch or a
/// usage read (ADMIN_THREADS, ADMIN_QUEUE).
using AdminPool = WorkPool<TenantStore>;

/// The admin API's tenant operations on the admin threads (AdminPool: each
/// with its own TenantStore), keeping this instance's KeyRegistry current
/// with the keys it makes and revokes. Thread-safe.
class PooledTenantAdmin final : public TenantAdminService {
 public:
  /// Called after a tenant's settings changed (quota, thresholds...), so its
  /// alerts are checked again. Must not block.
  using SettingsChanged = std::function<void(const std::string& tenant)>;
  /// Whether a (syntactically valid) webhook URL may be stored: Ok, or
  /// InvalidArgument saying why not. Blocking (may resolve the host,
  /// bounded): called on an admin thread. Unset: every URL may be stored.
  using WebhookUrlCheck = std::function<Status(const std::string& url)>;

  PooledTenantAdmin(AdminPool& admin, KeyRegistry& keys, SettingsChanged settings_changed,
                    WebhookUrlCheck check_webhook_url);

  void ListTenants(TenantPageRequest page, ReplyCallback<TenantOverviewPage> done) override;
  void GetTenant(const std::string& tenant, ReplyCallback<TenantDetails> done) override;
  void PutTenant(const std::string& tenant, TenantUpdate update, ReplyCallback<TenantWrite> done) override;
  void CreateKey(const std::string& tenant, ReplyCallback<CreatedKey> done) override;
  void RevokeKey(const std::string& tenant, const std::string& key_id, ReplyCallback<ApiKeyEntry> done) override;

 private:
  AdminPool& admin_;
  KeyRegistry& keys_;
  const SettingsChanged settings_changed_;
  const WebhookUrlCheck check_webhook_url_;
};

}  // namespace flagmeter
