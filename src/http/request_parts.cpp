#include "http/request_parts.hpp"

#include <algorithm>
#include <cctype>

#include "flagmeter/http/api_json.hpp"
#include "flagmeter/http/router.hpp"
#include "flagmeter/ingest/name_rules.hpp"

namespace flagmeter {

std::string_view HeaderValue(const HttpRequest& request, boost::beast::http::field name) {
  for (const auto& field : request) {
    if (field.name() == name) return field.value();
  }
  return {};
}

bool IsJsonContentType(std::string_view value) {
  if (value.empty()) return true;
  std::string_view media = value.substr(0, value.find(';'));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
  constexpr std::string_view kJson = "application/json";
  return media.size() == kJson.size() &&
         std::equal(media.begin(), media.end(), kJson.begin(),
                    [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
}

std::optional<std::string> TenantFromPath(std::string_view raw, HttpResponse& problem) {
  std::string tenant;
  if (!PercentDecode(raw, tenant)) {
    problem = JsonResponse(400, ValidationErrorJson({{"tenant", "tenant has a malformed percent-escape"}}));
    return std::nullopt;
  }
  if (auto name_problem = NameProblem(tenant)) {
    problem = JsonResponse(400, ValidationErrorJson({{"tenant", "tenant " + *name_problem}}));
    return std::nullopt;
  }
  return tenant;
}

}  // namespace flagmeter
