#pragma once

#include <memory>
#include <string>

#include "flagmeter/store/tenant_alert_store.hpp"
#include "flagmeter/store/tenant_store.hpp"

namespace flagmeter {

class PgConnection;

/// TenantStore on PostgreSQL (migrations/0002). Statements time out after
/// 5 s; a broken connection is dropped and reopened by the next call. Key
/// changes bump the api_key_changes counter in the same statement, which
/// orders them (see the migration). Owned by one thread.
class PgTenantStore final : public TenantStore {
 public:
  /// Does not connect; the first call does.
  explicit PgTenantStore(std::string database_url);
  ~PgTenantStore() override;
  PgTenantStore(const PgTenantStore&) = delete;
  PgTenantStore& operator=(const PgTenantStore&) = delete;

  // See TenantStore. All blocking.
  Result<TenantOverviewPage> ListTenants(std::int64_t now_ms, const TenantPageRequest& page) override;
  Result<TenantDetails> GetTenant(const std::string& name, std::int64_t now_ms) override;
  Result<std::vector<std::string>> AdmitTenants(const std::vector<std::string>& names, bool create,
                                                std::int64_t max_tenants) override;
  Result<TenantDetails> PutTenant(const std::string& name, const TenantUpdate& update, std::int64_t now_ms,
                                  bool& created) override;
  Result<ApiKeyInfo> CreateKey(const std::string& name, const std::string& key_id, const std::string& key_hash,
                               const std::string& hint) override;
  Result<ApiKeyEntry> RevokeKey(const std::string& name, const std::string& key_id) override;
  Result<std::vector<ApiKeyEntry>> KeysChangedSince(std::int64_t version, int limit) override;
  Result<std::optional<ApiKeyEntry>> FindKey(const std::string& key_hash) override;

 private:
  Result<TenantDetails> ReadDetails(const std::string& name, std::int64_t now_ms);

  std::unique_ptr<PgConnection> connection_;
};

/// TenantAlertStore on PostgreSQL (alert_deliveries, migrations/0002).
/// Owned by one thread.
class PgTenantAlertStore final : public TenantAlertStore {
 public:
  explicit PgTenantAlertStore(std::string database_url);
  ~PgTenantAlertStore() override;
  PgTenantAlertStore(const PgTenantAlertStore&) = delete;
  PgTenantAlertStore& operator=(const PgTenantAlertStore&) = delete;

  // See TenantAlertStore. All blocking.
  Result<std::vector<TenantOverview>> ReadAlertable(const std::vector<std::string>& names,
                                                    std::int64_t now_ms) override;
  Result<bool> Claim(const AlertKey& key, const std::string& payload) override;
  Status Record(const AlertKey& key, DeliveryStatus status, int attempts, const std::string& last_error) override;
  Status ScheduleRetry(const AlertKey& key, int attempts, const std::string& last_error,
                       std::int64_t delay_ms) override;
  Result<std::vector<PendingAlert>> ReclaimDue(std::int64_t stale_ms, int limit) override;
  Result<std::optional<std::int64_t>> NextRetryInMs() override;

 private:
  std::unique_ptr<PgConnection> connection_;
};

}  // namespace flagmeter
