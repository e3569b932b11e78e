#pragma once

#include <functional>
#include <string>

#include "flagmeter/config/config.hpp"

namespace flagmeter {

class AdminService;
class KeyRegistry;
class KnownTenants;

/// What the HTTP layer needs for the admin API and API keys. All of them
/// outlive the server.
struct TenantServices {
  AdminService& admin;
  KeyRegistry& keys;
  KnownTenants& known;  // tenants seen to exist; ingest creates the others before queueing
  const TenantsConfig& config;
  /// Called after a tenant's settings changed (quota, thresholds...), so its
  /// alerts are re-checked. Must not block.
  std::function<void(const std::string& tenant)> settings_changed;
};

}  // namespace flagmeter
