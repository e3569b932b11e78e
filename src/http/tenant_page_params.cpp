#include "http/tenant_page_params.hpp"

#include <algorithm>
#include <charconv>
#include <map>

#include "flagmeter/http/router.hpp"
#include "flagmeter/ingest/name_rules.hpp"
#include "http/query_params.hpp"

namespace flagmeter {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int SixBits(char c) {
  const std::size_t at = kAlphabet.find(c);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

// Strict base64url without padding: none when `text` has a character outside
// the alphabet, a length no encoding has (4n+1), or non-zero unused bits
// (so each name has exactly one cursor).
std::optional<std::string> DecodeBase64Url(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string bytes;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    const int value = SixBits(c);
    if (value < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  if ((buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
  return bytes;
}

}  // namespace

std::variant<TenantPageRequest, std::vector<FieldError>> ParseTenantPage(std::string_view query, int max_limit) {
  std::vector<FieldError> errors;
  const std::map<std::string, std::string> params = DecodeQueryParams(query, {"limit", "cursor"}, errors);
  TenantPageRequest page;
  page.limit = std::min(kDefaultTenantsPerPage, max_limit);
  if (const auto found = params.find("limit"); found != params.end()) {
    const std::string& text = found->second;
    int limit = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), limit);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || limit < 1 || limit > max_limit) {
      errors.push_back({"limit", "limit must be an integer from 1 to " + std::to_string(max_limit) +
                                     " (tenants per page; default " + std::to_string(page.limit) + ")"});
    } else {
      page.limit = limit;
    }
  }
  if (const auto found = params.find("cursor"); found != params.end()) {
    std::optional<std::string> after = DecodeBase64Url(found->second);
    if (found->second.empty() || !after || NameProblem(*after)) {
      errors.push_back({"cursor", "cursor must be the nextCursor of an earlier answer, passed unchanged "
                                  "(leave it out for the first page)"});
    } else {
      page.after = std::move(after);
    }
  }
  if (!errors.empty()) return errors;
  return page;
}

std::string TenantCursor(std::string_view last_name) {
  std::string text;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : last_name) {
    buffer = (buffer << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      text.push_back(kAlphabet[(buffer >> bits) & 0x3F]);
    }
  }
  if (bits > 0) text.push_back(kAlphabet[(buffer << (6 - bits)) & 0x3F]);
  return text;
}

}  // namespace flagmeter
