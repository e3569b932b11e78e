#include "flagmeter/services/pooled_tenant_admin.hpp"

#include <utility>

#include "flagmeter/core/clock.hpp"
#include "flagmeter/services/pool_reply.hpp"
#include "flagmeter/tenants/key_registry.hpp"

namespace flagmeter {

PooledTenantAdmin::PooledTenantAdmin(AdminPool& admin, KeyRegistry& keys, SettingsChanged settings_changed,
                                     WebhookUrlCheck check_webhook_url)
    : admin_(admin),
      keys_(keys),
      settings_changed_(std::move(settings_changed)),
      check_webhook_url_(std::move(check_webhook_url)) {}

void PooledTenantAdmin::ListTenants(TenantPageRequest page, ReplyCallback<TenantOverviewPage> done) {
  auto work = [page = std::move(page), now = NowMs()](TenantStore& store) { return store.ListTenants(now, page); };
  PostForReply<TenantOverviewPage>(admin_, std::move(work), std::move(done));
}

void PooledTenantAdmin::GetTenant(const std::string& tenant, ReplyCallback<TenantDetails> done) {
  auto work = [tenant, now = NowMs()](TenantStore& store) { return store.GetTenant(tenant, now); };
  PostForReply<TenantDetails>(admin_, std::move(work), std::move(done));
}

void PooledTenantAdmin::PutTenant(const std::string& tenant, TenantUpdate update, ReplyCallback<TenantWrite> done) {
  auto work = [this, tenant, update = std::move(update), now = NowMs()](TenantStore& store) -> Result<TenantWrite> {
    TenantWrite written;
    if (update.webhook_url && check_webhook_url_) {
      if (Status allowed = check_webhook_url_(*update.webhook_url); !allowed.ok()) {
        written.webhook_url_refused = allowed.message();
        return written;
      }
    }
    Result<TenantDetails> details = store.PutTenant(tenant, update, now, written.created);
    if (!details.ok()) return details.status();
    written.details = std::move(details).value();
    if (settings_changed_) settings_changed_(tenant);
    return written;
  };
  PostForReply<TenantWrite>(admin_, std::move(work), std::move(done));
}

void PooledTenantAdmin::CreateKey(const std::string& tenant, ReplyCallback<CreatedKey> done) {
  Result<NewApiKey> key = GenerateApiKey();
  if (!key.ok()) return done(MakeReply<CreatedKey>(key.status()));
  auto work = [this, tenant, made = std::move(key).value()](TenantStore& store) -> Result<CreatedKey> {
    Result<ApiKeyInfo> stored = store.CreateKey(tenant, made.key_id, made.key_hash, made.hint);
    if (!stored.ok()) return stored.status();
    // This instance accepts the key at once; others look it up on first use.
    keys_.Learn(ApiKeyEntry{made.key_hash, tenant, false, stored->version});
    return CreatedKey{made, std::move(stored).value()};
  };
  PostForReply<CreatedKey>(admin_, std::move(work), std::move(done));
}

void PooledTenantAdmin::RevokeKey(const std::string& tenant, const std::string& key_id,
                                  ReplyCallback<ApiKeyEntry> done) {
  auto work = [this, tenant, key_id](TenantStore& store) -> Result<ApiKeyEntry> {
    Result<ApiKeyEntry> revoked = store.RevokeKey(tenant, key_id);
    // Refused here at once; other instances within API_KEY_REFRESH_MS.
    if (revoked.ok()) keys_.Learn(*revoked);
    return revoked;
  };
  PostForReply<ApiKeyEntry>(admin_, std::move(work), std::move(done));
}

}  // namespace flagmeter
