#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "flagmeter/core/status.hpp"

namespace flagmeter::test {

/// Environment variable naming the test PostgreSQL server: a superuser libpq
/// URI such as postgres://postgres@127.0.0.1:55432/postgres. scripts/test
/// starts a server and sets it.
inline constexpr char kTestDatabaseUrlEnv[] = "FLAGMETER_TEST_DATABASE_URL";

/// `url` (a postgres:// URI) naming database `database` instead of its own.
std::string UrlWithDatabase(const std::string& url, const std::string& database);

/// A fresh, empty, uniquely named database on the test server. The destructor
/// terminates its connections and drops it. Not thread-safe; the URL may be
/// used from any thread.
class TestDatabase final {
 public:
  /// Creates one. Blocking. Fails when FLAGMETER_TEST_DATABASE_URL is unset
  /// (the message says how to run the tests) or the server refuses.
  /// `locale` (e.g. "en_US.UTF-8", which scripts/test makes available) gives
  /// the database that collation instead of the server's default.
  static Result<std::unique_ptr<TestDatabase>> Create(const std::string& locale = "");
  ~TestDatabase();

  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& name() const { return name_; }
  const std::string& url() const { return url_; }

 private:
  TestDatabase(std::string server_url, std::string name);

  const std::string server_url_;
  const std::string name_;
  const std::string url_;
};

/// Runs `sql` on `url` and returns the first column of its single row as an
/// integer (0 for NULL). For asserting on database state. Blocking; throws on
/// errors, which fails the calling test.
std::int64_t QueryInt64(const std::string& url, const std::string& sql);

/// A postgres:// URL on 127.0.0.1 at a port nothing listens on (it was free a
/// moment ago), for testing how code behaves with the database down.
std::string UnreachableDatabaseUrl();

/// Fixture: a fresh database per test, empty. The test fails (it is never
/// skipped) when no test server is configured.
class PostgresTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  const std::string& database_url() const { return database_->url(); }

 private:
  std::unique_ptr<TestDatabase> database_;
};

/// Fixture: as PostgresTest, with the embedded migrations applied.
class MigratedPostgresTest : public PostgresTest {
 protected:
  void SetUp() override;
};

}  // namespace flagmeter::test
