#pragma once

// What the fault tests start from: their own Valkey and database, and the
// flagmeter environment that points at them.

#include <gtest/gtest.h>

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "support/test_postgres.hpp"
#include "support/test_valkey.hpp"

namespace flagmeter::test {

/// The last `bytes` of a log, for failure messages.
inline std::string Tail(const std::string& text, std::size_t bytes = 6000) {
  return text.size() > bytes ? text.substr(text.size() - bytes) : text;
}

/// A Valkey server and a database of the test's own. Start it with
/// ASSERT_NO_FATAL_FAILURE(stack.Start()).
struct FaultStack {
  TestValkey valkey;
  std::unique_ptr<TestDatabase> database;

  void Start() {
    ASSERT_TRUE(valkey.Start().ok());
    auto created = TestDatabase::Create();
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    database = std::move(created.value());
  }

  /// flagmeter's environment for this stack: usage answers never cached (a
  /// read after the drain is the truth) and info logs (failure messages quote
  /// them), plus `extra`, whose entries win.
  std::map<std::string, std::string> Environment(std::map<std::string, std::string> extra = {}) const {
    extra.insert({{"DATABASE_URL", database->url()},
                  {"VALKEY_URL", valkey.url()},
                  {"USAGE_CACHE_MS", "0"},
                  {"LOG_LEVEL", "info"}});
    return extra;
  }
};

}  // namespace flagmeter::test
