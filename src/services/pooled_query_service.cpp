#include "flagmeter/services/pooled_query_service.hpp"

#include <utility>

#include "flagmeter/query/history_service.hpp"
#include "flagmeter/query/usage_service.hpp"

namespace flagmeter {

void PooledQueryService::Usage(const std::string& tenant, ReplyCallback<TenantUsage> done) {
  usage_.GetUsage(tenant, std::move(done));
}

void PooledQueryService::History(HistoryQuery query, ReplyCallback<std::vector<HistoryBucket>> done) {
  history_.ReadHistory(std::move(query), std::move(done));
}

void PooledQueryService::Dashboard(TenantPageRequest page, ReplyCallback<DashboardSnapshot> done) {
  history_.ReadDashboard(std::move(page), std::move(done));
}

}  // namespace flagmeter
