#pragma once

#include <string>
#include <vector>

#include "flagmeter/store/tenant_store.hpp"
#include "flagmeter/tenants/api_keys.hpp"

namespace flagmeter {

/// The JSON bodies of the admin API (docs/tenants.md), with no I/O.

/// {"tenants": [<tenant>...], "count": N, "nextCursor": "..." or null}
std::string TenantListJson(const TenantOverviewPage& page);

/// One tenant with its keys (never the keys themselves).
std::string TenantDetailsJson(const TenantDetails& details);

/// 201 body of POST /api/tenants/:tenant/keys: the key, shown this once.
std::string CreatedKeyJson(const std::string& tenant, const NewApiKey& key, const ApiKeyInfo& stored);

/// 200 body of DELETE /api/tenants/:tenant/keys/:keyId.
std::string RevokedKeyJson(const std::string& tenant, const std::string& key_id);

}  // namespace flagmeter
