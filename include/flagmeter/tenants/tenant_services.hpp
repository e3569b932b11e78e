#pragma once

#include <functional>
#include <string>

#include "flagmeter/config/config.hpp"
#include "flagmeter/core/status.hpp"

namespace flagmeter {

template <typename Resource>
class WorkPool;
class KeyRegistry;
class KnownTenants;
class TenantCreator;
class TenantStore;

/// The admin threads: each with its own TenantStore (its own PostgreSQL
/// connection), so an admin call never waits behind a worker's batch or a
/// usage read (ADMIN_THREADS, ADMIN_QUEUE).
using AdminPool = WorkPool<TenantStore>;

/// What the HTTP layer needs for the admin API and API keys. All of them
/// outlive the server.
struct TenantServices {
  AdminPool& admin;
  KeyRegistry& keys;
  KnownTenants& known;  // tenants seen to exist; ingest admits the others before queueing
  TenantCreator& creator;  // admits (and creates) the tenants `known` does not hold yet
  const TenantsConfig& config;
  /// Called after a tenant's settings changed (quota, thresholds...), so its
  /// alerts are re-checked. Must not block.
  std::function<void(const std::string& tenant)> settings_changed;
  /// Whether a (syntactically valid) webhook URL may be stored: Ok, or
  /// InvalidArgument saying why not (its host is or resolves to a
  /// non-public address). Blocking (may resolve the host, bounded): call it
  /// on an admin thread. Unset: every URL may be stored.
  std::function<Status(const std::string& url)> check_webhook_url;
};

}  // namespace flagmeter
