#include "flagmeter/store/routed_readers.hpp"

#include <utility>

#include <spdlog/spdlog.h>

namespace flagmeter {
namespace {

// `read(reader)` on the standby when the route says so, else (or when that
// fails) on the primary.
template <typename Reader, typename Read>
auto Routed(ReadRoute& route, Reader& primary, Reader& standby, Read&& read) -> decltype(read(primary)) {
  if (route.UseReplica()) {
    auto answer = read(standby);
    if (answer.ok()) return answer;
    if (answer.status().code() == Status::Code::kUnavailable) {
      route.ReadFailed(answer.status());
    } else if (answer.status().code() != Status::Code::kNotFound) {
      spdlog::warn("read route: a read on the standby failed, asking the primary: {}", answer.status().ToString());
    }
  }
  return read(primary);
}

}  // namespace

RoutedUsageReader::RoutedUsageReader(std::unique_ptr<UsageReader> primary, std::unique_ptr<UsageReader> standby,
                                     ReadRoute& route)
    : primary_(std::move(primary)), standby_(std::move(standby)), route_(route) {}

Result<TenantUsage> RoutedUsageReader::ReadUsage(const std::string& tenant_name, std::int64_t now_ms) {
  return Routed(route_, *primary_, *standby_,
                [&](UsageReader& reader) { return reader.ReadUsage(tenant_name, now_ms); });
}

Status RoutedUsageReader::Ping() { return primary_->Ping(); }

RoutedUsageHistory::RoutedUsageHistory(std::unique_ptr<UsageHistoryReader> primary,
                                       std::unique_ptr<UsageHistoryReader> standby, ReadRoute& route)
    : primary_(std::move(primary)), standby_(std::move(standby)), route_(route) {}

Result<std::vector<HistoryBucket>> RoutedUsageHistory::ReadHistory(const HistoryQuery& query) {
  return Routed(route_, *primary_, *standby_, [&](UsageHistoryReader& reader) { return reader.ReadHistory(query); });
}

Result<DashboardSnapshot> RoutedUsageHistory::ReadDashboard(std::int64_t now_ms, int chart_minutes,
                                                            const TenantPageRequest& page) {
  return Routed(route_, *primary_, *standby_, [&](UsageHistoryReader& reader) {
    return reader.ReadDashboard(now_ms, chart_minutes, page);
  });
}

RoutedTenantStore::RoutedTenantStore(std::unique_ptr<TenantStore> primary, std::unique_ptr<TenantStore> standby,
                                     ReadRoute& route)
    : primary_(std::move(primary)), standby_(std::move(standby)), route_(route) {}

Result<TenantOverviewPage> RoutedTenantStore::ListTenants(std::int64_t now_ms, const TenantPageRequest& page) {
  return Routed(route_, *primary_, *standby_, [&](TenantStore& store) { return store.ListTenants(now_ms, page); });
}

Result<TenantDetails> RoutedTenantStore::GetTenant(const std::string& name, std::int64_t now_ms) {
  return primary_->GetTenant(name, now_ms);
}

Result<std::vector<std::string>> RoutedTenantStore::AdmitTenants(const std::vector<std::string>& names, bool create,
                                                                 std::int64_t max_tenants) {
  return primary_->AdmitTenants(names, create, max_tenants);
}

Result<TenantDetails> RoutedTenantStore::PutTenant(const std::string& name, const TenantUpdate& update,
                                                   std::int64_t now_ms, bool& created) {
  return primary_->PutTenant(name, update, now_ms, created);
}

Result<ApiKeyInfo> RoutedTenantStore::CreateKey(const std::string& name, const std::string& key_id,
                                                const std::string& key_hash, const std::string& hint) {
  return primary_->CreateKey(name, key_id, key_hash, hint);
}

Result<ApiKeyEntry> RoutedTenantStore::RevokeKey(const std::string& name, const std::string& key_id) {
  return primary_->RevokeKey(name, key_id);
}

Result<std::vector<ApiKeyEntry>> RoutedTenantStore::KeysChangedSince(std::int64_t version, int limit) {
  return primary_->KeysChangedSince(version, limit);
}

Result<std::optional<ApiKeyEntry>> RoutedTenantStore::FindKey(const std::string& key_hash) {
  return primary_->FindKey(key_hash);
}

}  // namespace flagmeter
