#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "flagmeter/core/billing_period.hpp"
#include "flagmeter/store/tenant_store.hpp"

namespace flagmeter::fakes {

/// Tenants and keys in memory, shared by every handle NewStore() makes (as
/// the database is shared by every connection), with the TenantStore
/// contract's answers: NotFound for unknown tenants and keys, keys
/// versioned by one change counter. Holds at most `max_tenants` tenants and
/// forgets them all beyond that, so a fuzzer's endless names stay bounded.
/// Thread-safe.
class FakeTenantStore final {
 public:
  explicit FakeTenantStore(std::size_t max_tenants = 10'000) : state_(std::make_shared<State>()) {
    state_->max_tenants = max_tenants;
  }

  std::unique_ptr<TenantStore> NewStore() { return std::make_unique<Handle>(state_); }

  std::size_t TenantCount() const {
    std::lock_guard lock(state_->mu);
    return state_->tenants.size();
  }

 private:
  struct State {
    std::mutex mu;
    std::size_t max_tenants = 0;
    std::map<std::string, TenantDetails> tenants;  // by name; guarded by mu
    std::map<std::string, ApiKeyEntry> keys;       // by key hash; guarded by mu
    std::int64_t version = 0;                      // guarded by mu
    int next_id = 0;                               // guarded by mu
  };

  class Handle final : public TenantStore {
   public:
    explicit Handle(std::shared_ptr<State> state) : state_(std::move(state)) {}

    Result<TenantOverviewPage> ListTenants(std::int64_t now_ms, const TenantPageRequest& page) override {
      std::lock_guard lock(state_->mu);
      TenantOverviewPage listed;
      auto it = page.after ? state_->tenants.upper_bound(*page.after) : state_->tenants.begin();
      for (; it != state_->tenants.end(); ++it) {
        if (listed.tenants.size() == static_cast<std::size_t>(page.limit)) {
          listed.next_after = listed.tenants.back().tenant_name;
          break;
        }
        listed.tenants.push_back(Overview(it->second, now_ms));
      }
      return listed;
    }

    Result<TenantDetails> GetTenant(const std::string& name, std::int64_t now_ms) override {
      std::lock_guard lock(state_->mu);
      auto it = state_->tenants.find(name);
      if (it == state_->tenants.end()) return Status::NotFound("Tenant '" + name + "' not found");
      TenantDetails details = it->second;
      details.overview = Overview(details, now_ms);
      return details;
    }

    Result<std::vector<std::string>> AdmitTenants(const std::vector<std::string>& names, bool create,
                                                  std::int64_t max_tenants) override {
      std::lock_guard lock(state_->mu);
      std::vector<std::string> admitted;
      for (const std::string& name : names) {
        if (std::find(admitted.begin(), admitted.end(), name) != admitted.end()) continue;
        const bool exists = state_->tenants.count(name) > 0;
        if (!exists && (!create || static_cast<std::int64_t>(state_->tenants.size()) >= max_tenants)) continue;
        Create(name);
        admitted.push_back(name);
      }
      return admitted;
    }

    Result<TenantDetails> PutTenant(const std::string& name, const TenantUpdate& update, std::int64_t now_ms,
                                    bool& created) override {
      std::lock_guard lock(state_->mu);
      created = state_->tenants.count(name) == 0;
      TenantDetails& details = Create(name);
      TenantOverview& o = details.overview;
      if (update.monthly_quota) o.monthly_quota = *update.monthly_quota;
      if (update.billing_day) o.billing_day = *update.billing_day;
      if (update.set_webhook_url) o.webhook_url = update.webhook_url;
      if (update.alert_thresholds) o.alert_thresholds = *update.alert_thresholds;
      o.updated_at_ms = now_ms;
      TenantDetails answer = details;
      answer.overview = Overview(details, now_ms);
      return answer;
    }

    Result<ApiKeyInfo> CreateKey(const std::string& name, const std::string& key_id, const std::string& key_hash,
                                 const std::string& hint) override {
      std::lock_guard lock(state_->mu);
      auto it = state_->tenants.find(name);
      if (it == state_->tenants.end()) return Status::NotFound("Tenant '" + name + "' not found");
      const std::int64_t version = ++state_->version;
      ApiKeyInfo info{key_id, hint, 0, std::nullopt, version};
      it->second.keys.push_back(info);
      state_->keys[key_hash] = ApiKeyEntry{key_hash, name, false, version};
      return info;
    }

    Result<ApiKeyEntry> RevokeKey(const std::string& name, const std::string& key_id) override {
      std::lock_guard lock(state_->mu);
      auto tenant = state_->tenants.find(name);
      if (tenant == state_->tenants.end()) return Status::NotFound("Tenant '" + name + "' not found");
      for (ApiKeyInfo& key : tenant->second.keys) {
        if (key.key_id != key_id) continue;
        key.revoked_at_ms = key.revoked_at_ms.value_or(1);
        key.version = ++state_->version;
        for (auto& [hash, entry] : state_->keys) {
          if (entry.tenant_name == name && !entry.revoked && entry.version <= key.version) {
            entry.revoked = true;
            entry.version = key.version;
            return entry;
          }
        }
        return ApiKeyEntry{"", name, true, key.version};
      }
      return Status::NotFound("Tenant '" + name + "' has no key '" + key_id + "'");
    }

    Result<std::vector<ApiKeyEntry>> KeysChangedSince(std::int64_t version, int limit) override {
      std::lock_guard lock(state_->mu);
      std::vector<ApiKeyEntry> changed;
      for (const auto& [hash, entry] : state_->keys) {
        if (entry.version > version) changed.push_back(entry);
      }
      std::sort(changed.begin(), changed.end(), [](const auto& a, const auto& b) { return a.version < b.version; });
      if (changed.size() > static_cast<std::size_t>(limit)) changed.resize(static_cast<std::size_t>(limit));
      return changed;
    }

    Result<std::optional<ApiKeyEntry>> FindKey(const std::string& key_hash) override {
      std::lock_guard lock(state_->mu);
      auto it = state_->keys.find(key_hash);
      if (it == state_->keys.end()) return std::optional<ApiKeyEntry>();
      return std::optional<ApiKeyEntry>(it->second);
    }

   private:
    // Requires state_->mu.
    TenantDetails& Create(const std::string& name) {
      auto it = state_->tenants.find(name);
      if (it != state_->tenants.end()) return it->second;
      if (state_->tenants.size() >= state_->max_tenants) {
        state_->tenants.clear();
        state_->keys.clear();
      }
      TenantDetails details;
      char id[40];
      std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", ++state_->next_id);
      details.overview.tenant_id = id;
      details.overview.tenant_name = name;
      details.overview.monthly_quota = 1'000'000'000;
      return state_->tenants.emplace(name, std::move(details)).first->second;
    }

    static TenantOverview Overview(const TenantDetails& details, std::int64_t now_ms) {
      TenantOverview overview = details.overview;
      const BillingPeriod period = BillingPeriodAt(now_ms, overview.billing_day);
      overview.period_start_ms = period.start_ms;
      overview.period_end_ms = period.end_ms;
      return overview;
    }

    const std::shared_ptr<State> state_;
  };

  std::shared_ptr<State> state_;
};

}  // namespace flagmeter::fakes
