#include "flagmeter/store/known_tenants.hpp"

#include <algorithm>

namespace flagmeter {

std::vector<std::string> KnownTenants::Unknown(const std::vector<std::string>& names) const {
  std::vector<std::string> unknown;
  MutexLock lock(mu_);
  for (const std::string& name : names) {
    if (names_.count(name) == 0 && std::find(unknown.begin(), unknown.end(), name) == unknown.end()) {
      unknown.push_back(name);
    }
  }
  return unknown;
}

void KnownTenants::Add(const std::vector<std::string>& names) {
  MutexLock lock(mu_);
  // Bounded: when full, start over rather than grow without limit.
  if (names_.size() + names.size() > capacity_) names_.clear();
  names_.insert(names.begin(), names.end());
}

void KnownTenants::Clear() {
  MutexLock lock(mu_);
  names_.clear();
}

}  // namespace flagmeter
