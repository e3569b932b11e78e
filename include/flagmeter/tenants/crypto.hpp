#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "flagmeter/core/status.hpp"

namespace flagmeter {

/// Hashing and randomness for API keys and webhook signatures (OpenSSL).
/// All functions are thread-safe.

/// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

/// Lower-case hex HMAC-SHA256 of `data` under `key`.
std::string HmacSha256Hex(std::string_view key, std::string_view data);

/// Compares two secrets in time that depends on neither their contents nor
/// their lengths (it compares their SHA-256 digests in constant time).
bool SecretsEqual(std::string_view a, std::string_view b);

/// `count` bytes from the operating system's CSPRNG; Internal when it fails.
Result<std::string> RandomBytes(std::size_t count);

/// RFC 4648 base64url without padding, and lower-case hex.
std::string Base64Url(std::string_view bytes);
std::string HexEncode(std::string_view bytes);

}  // namespace flagmeter
