#pragma once

#include "flagmeter/services/query_service.hpp"

namespace flagmeter {

class HistoryService;
class UsageService;

/// The reads on their own thread pools: usage on the UsageService (cached,
/// coalesced), series and the dashboard on the HistoryService. Both outlive
/// it. Thread-safe.
class PooledQueryService final : public QueryService {
 public:
  PooledQueryService(UsageService& usage, HistoryService& history) : usage_(usage), history_(history) {}

  void Usage(const std::string& tenant, ReplyCallback<TenantUsage> done) override;
  void History(HistoryQuery query, ReplyCallback<std::vector<HistoryBucket>> done) override;
  void Dashboard(TenantPageRequest page, ReplyCallback<DashboardSnapshot> done) override;

 private:
  UsageService& usage_;
  HistoryService& history_;
};

}  // namespace flagmeter
