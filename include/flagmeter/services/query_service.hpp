#pragma once

#include <string>
#include <vector>

#include "flagmeter/services/reply.hpp"
#include "flagmeter/store/tenant_page.hpp"
#include "flagmeter/store/usage_history.hpp"
#include "flagmeter/store/usage_reader.hpp"

namespace flagmeter {

/// The reads of GET /api/usage/:tenant (with or without a series) and GET
/// /api/dashboard. Each calls `done` exactly once, inline when answered from
/// memory or refused (Overloaded beyond its queue, Unavailable while
/// stopping or when the read failed), otherwise on a query thread. Never
/// blocks on the database. Thread-safe.
class QueryService {
 public:
  virtual ~QueryService() = default;

  /// The tenant's usage in its current billing period; NotFound when it
  /// does not exist.
  virtual void Usage(const std::string& tenant, ReplyCallback<TenantUsage> done) = 0;

  /// The buckets of a usage series, at most `query.max_buckets`.
  virtual void History(HistoryQuery query, ReplyCallback<std::vector<HistoryBucket>> done) = 0;

  /// One page of the dashboard's tenant cards.
  virtual void Dashboard(TenantPageRequest page, ReplyCallback<DashboardSnapshot> done) = 0;
};

}  // namespace flagmeter
