#pragma once

// The config tests' environment: LoadConfig over a map instead of the
// process environment.

#include <map>
#include <string>

#include "flagmeter/config/config.hpp"

namespace flagmeter {

inline Result<Config> LoadConfigFrom(const std::map<std::string, std::string>& env) {
  return LoadConfig([&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

}  // namespace flagmeter
