#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "flagmeter/core/status.hpp"

namespace flagmeter {

/// What an API key may do.
struct KeyVerdict {
  enum class Kind { kValid, kRevoked, kUnknown };
  Kind kind = Kind::kUnknown;
  std::string tenant;  // kValid, kRevoked: the key's tenant
};

/// Tells whether an API key is valid and for which tenant. Thread-safe;
/// never blocks the caller.
class ApiKeyChecker {
 public:
  using Callback = std::function<void(const Result<KeyVerdict>&)>;

  virtual ~ApiKeyChecker() = default;

  /// Calls `done` exactly once: inline when answered from memory or refused
  /// (Overloaded beyond the look-up queue), otherwise on another thread;
  /// Unavailable when the key could not be looked up.
  virtual void Check(std::string_view key, Callback done) = 0;
};

}  // namespace flagmeter
