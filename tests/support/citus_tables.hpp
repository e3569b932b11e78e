#pragma once

#include <set>
#include <string>

namespace flagmeter::test {

// How the schema's tables would be laid out on Citus (docs/scaling.md, "The
// ledger on Citus"), shared by the catalog checks and the commit SQL checks.

// Distributed by tenant_id, all co-located with events (a partitioned table
// is distributed with its partitions).
inline const std::set<std::string> kCitusDistributed{"events",     "events_unpartitioned", "usage_minute",
                                                     "usage_hour", "usage_day",            "alert_deliveries"};
// Small, read by every shard: copied to every node.
inline const std::set<std::string> kCitusReference{"tenants",           "api_keys",     "api_key_changes",
                                                   "schema_migrations", "ledger_clock", "ledger_periods"};

}  // namespace flagmeter::test
