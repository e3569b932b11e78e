#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "flagmeter/core/status.hpp"
#include "flagmeter/store/known_tenants.hpp"

namespace flagmeter {

class TenantCreator;

/// The one component that decides whether a tenant exists. Holds the one
/// bounded cache of names known to exist (KnownTenants, shared with the
/// workers' stores so they skip the tenant insert for those names) and asks
/// the TenantCreator (its own thread, bounded queue, one INSERT statement:
/// store/pg_tenant_sql.hpp) about the rest, creating them where
/// AUTO_CREATE_TENANTS and MAX_TENANTS allow. Whoever caches "this tenant
/// does not exist" is told when that stops being true (`on_admitted`).
/// Thread-safe.
class TenantDirectory final {
 public:
  using Done = std::function<void(const Status&)>;
  /// Called with the names just found or made to exist, on the creator
  /// thread. Must not block.
  using AdmittedListener = std::function<void(const std::vector<std::string>& names)>;

  /// `creator` may be null: every name is then taken to exist (tests of
  /// the pipeline alone).
  TenantDirectory(std::size_t cache_capacity, TenantCreator* creator, AdmittedListener on_admitted = {});
  TenantDirectory(const TenantDirectory&) = delete;
  TenantDirectory& operator=(const TenantDirectory&) = delete;

  /// Whether every name is known to exist (memory only).
  bool AllKnown(const std::vector<std::string>& names) const;

  /// Calls `done` exactly once: inline with Ok when every name is known to
  /// exist (or there is no creator), inline when the creator's queue is
  /// full, else on the creator thread: Ok, FailedPrecondition naming the
  /// first tenant that may not be created and why (AUTO_CREATE_TENANTS off,
  /// MAX_TENANTS reached), Unavailable or Overloaded.
  void Admit(const std::vector<std::string>& names, Done done);

  /// The cache, for the stores that insert tenants themselves.
  KnownTenants& known() { return known_; }

 private:
  KnownTenants known_;
  TenantCreator* const creator_;
  const AdmittedListener on_admitted_;
};

}  // namespace flagmeter
