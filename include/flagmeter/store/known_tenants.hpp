#pragma once

#include <cstddef>
#include <string>
#include <unordered_set>
#include <vector>

#include "flagmeter/core/mutex.hpp"

namespace flagmeter {

/// Tenant names this process has seen exist in PostgreSQL, so that ingest
/// creates a tenant at most once per process (the tenant row then exists
/// before its first event is acknowledged, and a usage read right after the
/// first POST finds it). Only a cache: forgetting a name costs one
/// idempotent insert. Thread-safe.
class KnownTenants final {
 public:
  explicit KnownTenants(std::size_t capacity = 100'000) : capacity_(capacity) {}

  /// The names among `names` not known to exist, each once.
  std::vector<std::string> Unknown(const std::vector<std::string>& names) const;

  void Add(const std::vector<std::string>& names);

  /// Forgets every name, e.g. once a tenant row was found missing.
  void Clear();

 private:
  const std::size_t capacity_;
  mutable Mutex mu_;
  std::unordered_set<std::string> names_ FM_GUARDED_BY(mu_);
};

}  // namespace flagmeter
