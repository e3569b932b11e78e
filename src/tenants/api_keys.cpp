#include "flagmeter/tenants/api_keys.hpp"

#include <algorithm>
#include <cctype>

#include "flagmeter/tenants/crypto.hpp"

namespace flagmeter {
namespace {

constexpr std::string_view kKeyPrefix = "fm_";
constexpr std::size_t kKeyRandomBytes = 32;
constexpr std::size_t kKeyLength = 3 + 43;  // prefix + base64url of 32 bytes
constexpr std::string_view kKeyIdPrefix = "key_";
constexpr std::size_t kKeyIdRandomBytes = 8;
constexpr std::size_t kHintLength = 4;

bool IsBase64UrlChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; }

}  // namespace

Result<NewApiKey> GenerateApiKey() {
  Result<std::string> secret = RandomBytes(kKeyRandomBytes);
  if (!secret.ok()) return secret.status().WithContext("api keys: make a key");
  Result<std::string> id = RandomBytes(kKeyIdRandomBytes);
  if (!id.ok()) return id.status().WithContext("api keys: make a key id");
  NewApiKey made;
  made.key = std::string(kKeyPrefix) + Base64Url(*secret);
  made.key_id = std::string(kKeyIdPrefix) + HexEncode(*id);
  made.key_hash = Sha256Hex(made.key);
  made.hint = made.key.substr(made.key.size() - kHintLength);
  return made;
}

bool LooksLikeApiKey(std::string_view text) {
  return text.size() == kKeyLength && text.starts_with(kKeyPrefix) &&
         std::all_of(text.begin() + kKeyPrefix.size(), text.end(), IsBase64UrlChar);
}

bool LooksLikeKeyId(std::string_view text) {
  return text.size() == kKeyIdPrefix.size() + 2 * kKeyIdRandomBytes && text.starts_with(kKeyIdPrefix) &&
         std::all_of(text.begin() + kKeyIdPrefix.size(), text.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f'); });
}

std::optional<std::string_view> BearerToken(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size() + 1) return std::nullopt;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) return std::nullopt;
  }
  std::string_view rest = authorization.substr(kScheme.size());
  if (rest.front() != ' ') return std::nullopt;
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t')) rest.remove_suffix(1);
  if (rest.empty() || rest.find(' ') != std::string_view::npos) return std::nullopt;
  return rest;
}

}  // namespace flagmeter
