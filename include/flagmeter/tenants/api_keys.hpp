#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "flagmeter/core/status.hpp"

namespace flagmeter {

/// A freshly made API key. Only `key_hash` and `hint` are stored; `key` is
/// shown to the caller once.
struct NewApiKey {
  std::string key;       // "fm_" + 43 base64url characters (32 random bytes)
  std::string key_id;    // "key_" + 16 hex digits: names the key in URLs and lists
  std::string key_hash;  // Sha256Hex(key)
  std::string hint;      // the key's last 4 characters
};

/// Makes a key from 32 bytes of the OS CSPRNG. Internal when randomness fails.
/// Thread-safe.
Result<NewApiKey> GenerateApiKey();

/// Whether `text` has the shape of a key GenerateApiKey makes (checked before
/// any look-up, so junk costs nothing). Thread-safe (pure).
bool LooksLikeApiKey(std::string_view text);

/// Whether `text` has the shape of a key id. Thread-safe (pure).
bool LooksLikeKeyId(std::string_view text);

/// The credential of an `Authorization: Bearer <token>` header value (scheme
/// case-insensitive), or none for any other shape. Thread-safe (pure).
std::optional<std::string_view> BearerToken(std::string_view authorization);

}  // namespace flagmeter
