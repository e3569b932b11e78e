#pragma once

#include <optional>
#include <string>

namespace flagmeter {

/// Tenants per page when a request names no `limit`.
inline constexpr int kDefaultTenantsPerPage = 100;
/// The default of MAX_TENANTS_PER_PAGE: the largest `limit` a request may ask.
inline constexpr int kDefaultMaxTenantsPerPage = 500;

/// One page of a list of tenants in bytewise name order: the first `limit`
/// tenants whose name sorts after `after`. Bytewise order is total (names are
/// unique) and stable (a tenant keeps its name), so walking the pages serves
/// every tenant that exists throughout the walk exactly once; a tenant made
/// meanwhile shows up when its name sorts after the page being read.
struct TenantPageRequest {
  std::optional<std::string> after;  // the last name of the previous page; none: from the first tenant
  int limit = kDefaultTenantsPerPage;  // >= 1

  friend bool operator==(const TenantPageRequest&, const TenantPageRequest&) = default;
};

}  // namespace flagmeter
