#pragma once

#include <memory>

#include "flagmeter/store/read_route.hpp"
#include "flagmeter/store/tenant_store.hpp"
#include "flagmeter/store/usage_history.hpp"
#include "flagmeter/store/usage_reader.hpp"

namespace flagmeter {

// Readers that send the reads which may lag to a hot standby while the
// ReadRoute says so, and to the primary otherwise. A failed read on the
// standby is asked again of the primary (and, when the standby could not be
// reached, moves the route there); so is a NotFound, since a tenant may be
// newer than the standby's replay. Each owns a reader of either server and,
// like them, one thread's connections (one each). The route must outlive them.

/// Usage reads on the standby; Ping on the primary.
class RoutedUsageReader final : public UsageReader {
 public:
  RoutedUsageReader(std::unique_ptr<UsageReader> primary, std::unique_ptr<UsageReader> standby, ReadRoute& route);

  /// Blocking.
  Result<TenantUsage> ReadUsage(const std::string& tenant_name, std::int64_t now_ms) override;
  /// The primary's: health is about the database that takes the writes.
  Status Ping() override;

 private:
  const std::unique_ptr<UsageReader> primary_;
  const std::unique_ptr<UsageReader> standby_;
  ReadRoute& route_;
};

/// History and dashboard reads on the standby.
class RoutedUsageHistory final : public UsageHistoryReader {
 public:
  RoutedUsageHistory(std::unique_ptr<UsageHistoryReader> primary, std::unique_ptr<UsageHistoryReader> standby,
                     ReadRoute& route);

  /// Blocking.
  Result<std::vector<HistoryBucket>> ReadHistory(const HistoryQuery& query) override;
  /// Blocking.
  Result<DashboardSnapshot> ReadDashboard(std::int64_t now_ms, int chart_minutes,
                                          const TenantPageRequest& page) override;

 private:
  const std::unique_ptr<UsageHistoryReader> primary_;
  const std::unique_ptr<UsageHistoryReader> standby_;
  ReadRoute& route_;
};

/// The tenant list on the standby; every other call (writes, keys, one
/// tenant's details after its PUT) on the primary.
class RoutedTenantStore final : public TenantStore {
 public:
  RoutedTenantStore(std::unique_ptr<TenantStore> primary, std::unique_ptr<TenantStore> standby, ReadRoute& route);

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
  const std::unique_ptr<TenantStore> primary_;
  const std::unique_ptr<TenantStore> standby_;
  ReadRoute& route_;
};

}  // namespace flagmeter
