#include "http/dashboard_params.hpp"

#include <map>

#include "flagmeter/core/rfc3339.hpp"
#include "flagmeter/http/router.hpp"
#include "flagmeter/ingest/name_rules.hpp"
#include "http/query_params.hpp"

namespace flagmeter {
namespace {

std::int64_t DefaultSpanMs(HistoryWindow window) {
  switch (window) {
    case HistoryWindow::kMinute: return 3'600'000;
    case HistoryWindow::kHour: return 2 * 86'400'000LL;
    case HistoryWindow::kDay: return 30 * 86'400'000LL;
  }
  return 3'600'000;
}

std::optional<std::int64_t> ReadTime(const std::map<std::string, std::string>& params, const std::string& name,
                                     std::vector<FieldError>& errors) {
  const auto found = params.find(name);
  if (found == params.end()) return std::nullopt;
  std::optional<std::int64_t> ms = ParseRfc3339Ms(found->second);
  if (!ms) {
    errors.push_back({name, name + " must be an RFC 3339 date-time such as 2026-11-01T00:00:00Z"});
  }
  return ms;
}

void ReadFeature(const std::map<std::string, std::string>& params, SeriesRequest& request,
                 std::vector<FieldError>& errors) {
  if (const auto found = params.find("feature"); found != params.end()) {
    if (auto problem = NameProblem(found->second)) {
      errors.push_back({"feature", "feature " + *problem});
    } else {
      request.feature = found->second;
    }
  }
  if (const auto found = params.find("groupBy"); found != params.end()) {
    if (found->second == "feature") {
      request.by_feature = true;
    } else {
      errors.push_back({"groupBy", "groupBy must be \"feature\" (or left out for one series of all features)"});
    }
  }
}

}  // namespace

std::variant<std::optional<SeriesRequest>, std::vector<FieldError>> ParseSeriesRequest(std::string_view query,
                                                                                       std::int64_t now_ms) {
  std::vector<FieldError> errors;
  const std::map<std::string, std::string> params = DecodeQueryParams(query, {"window", "from", "to", "feature", "groupBy"}, errors);
  if (params.empty() && errors.empty()) return std::optional<SeriesRequest>();
  SeriesRequest request;
  std::optional<HistoryWindow> window;
  if (const auto found = params.find("window"); found == params.end()) {
    errors.push_back({"window", "window is required for a usage series: minute, hour or day"});
  } else if (!(window = ParseHistoryWindow(found->second))) {
    errors.push_back({"window", "window must be minute, hour or day"});
  }
  const std::optional<std::int64_t> from = ReadTime(params, "from", errors);
  const std::optional<std::int64_t> to = ReadTime(params, "to", errors);
  ReadFeature(params, request, errors);
  if (!errors.empty()) return errors;
  const std::int64_t to_ms = to.value_or(now_ms);
  const std::int64_t from_ms = from.value_or(to_ms - DefaultSpanMs(*window));
  Result<HistoryRange> range = AlignHistoryRange(*window, from_ms, to_ms);
  if (!range.ok()) {
    // An empty range is about `to`; too many windows about the range's start.
    return std::vector<FieldError>{{to_ms <= from_ms ? "to" : "from", range.status().message()}};
  }
  request.range = *range;
  return std::optional<SeriesRequest>(std::move(request));
}

}  // namespace flagmeter
