#include "http/query_params.hpp"

#include <algorithm>

#include "flagmeter/http/router.hpp"

namespace flagmeter {

std::map<std::string, std::string> DecodeQueryParams(std::string_view query,
                                                     std::initializer_list<std::string_view> known,
                                                     std::vector<FieldError>& errors) {
  std::map<std::string, std::string> params;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const std::size_t eq = pair.find('=');
    const std::string_view name = pair.substr(0, eq);
    if (std::find(known.begin(), known.end(), name) == known.end()) continue;
    std::string value;
    if (!PercentDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), value)) {
      errors.push_back({std::string(name), std::string(name) + " has a malformed percent-escape"});
    } else if (!params.emplace(std::string(name), std::move(value)).second) {
      errors.push_back({std::string(name), std::string(name) + " is given more than once"});
    }
  }
  return params;
}

}  // namespace flagmeter
