#pragma once

#include <functional>
#include <string>

#include "flagmeter/config/config.hpp"

namespace flagmeter {

class AdminService;
class KeyRegistry;
class KnownTenants;
class TenantCreator;

/// What the HTTP layer needs for the admin API and API keys. All of them
/// outlive the server.
struct TenantServices {
  AdminService& admin;
  KeyRegistry& keys;
  KnownTenants& known;  // tenants seen to exist; ingest admits the others before queueing
  TenantCreator& creator;  // admits (and creates) the tenants `known` does not hold yet
  const TenantsConfig& config;
  /// Called after a tenant's settings changed (quota, thresholds...), so its
  /// alerts are re-checked. Must not block.
  std::function<void(const std::string& tenant)> settings_changed;
};

}  // namespace flagmeter
