// infra/postgres/initdb/10-flagmeter-roles.sh, which the compose stack's
// postgres container runs on its first start: run here the way the image runs
// it (as the superuser, on a fresh cluster whose POSTGRES_DB exists), then
// FlagMeter migrates, ingests and counts as the non-superuser role it made,
// and the exporter's role reads statistics but no data.
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <map>
#include <string>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "integration/ops/child_process.hpp"
#include "integration/ops/ops_paths.hpp"
#include "support/flagmeter_process.hpp"
#include "support/http_client.hpp"
#include "support/test_postgres.hpp"
#include "support/test_postgres_server.hpp"
#include "support/test_valkey.hpp"

namespace flagmeter::test {
namespace {

class PostgresRoles : public ::testing::Test {
 protected:
  void SetUp() override {
    const Status started = server_.Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
    pqxx::connection admin(server_.url());
    pqxx::nontransaction(admin).exec("CREATE DATABASE flagmeter");
    const std::string path = std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin";
    const CommandResult script = RunCommand(
        {"/usr/bin/env", "PATH=" + path, "PGHOST=127.0.0.1", "PGPORT=" + std::to_string(server_.port()),
         "POSTGRES_USER=postgres", "POSTGRES_DB=flagmeter", "FLAGMETER_DB_PASSWORD=app-secret",
         "EXPORTER_DB_PASSWORD=exporter-secret", "/bin/sh", SourcePath("infra/postgres/initdb/10-flagmeter-roles.sh")},
        scratch_.path());
    ASSERT_EQ(script.exit_code, 0) << script.output;
  }

  std::string UrlAs(const std::string& role, const std::string& password) const {
    return "postgres://" + role + ":" + password + "@127.0.0.1:" + std::to_string(server_.port()) + "/flagmeter";
  }

  TestPostgresServer server_;
  TempDir scratch_{"fm-roles"};
};

TEST_F(PostgresRoles, TheScriptMakesTwoRolesThatAreNotSuperusers) {
  const std::string admin = UrlWithDatabase(server_.url(), "flagmeter");
  EXPECT_EQ(QueryInt64(admin, "SELECT count(*) FROM pg_roles WHERE rolname IN ('flagmeter', 'flagmeter_exporter') "
                              "AND NOT rolsuper AND NOT rolcreaterole AND NOT rolcreatedb AND rolcanlogin"),
            2);
  EXPECT_EQ(QueryInt64(admin, "SELECT count(*) FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba "
                              "WHERE d.datname = 'flagmeter' AND r.rolname = 'flagmeter'"),
            1);
  EXPECT_EQ(QueryInt64(admin, "SELECT pg_has_role('flagmeter_exporter', 'pg_monitor', 'member')::int"), 1);
}

TEST_F(PostgresRoles, FlagmeterMigratesIngestsAndCountsAsItsOwnRole) {
  TestValkey valkey;
  ASSERT_TRUE(valkey.Start().ok());
  FlagmeterProcess process({{"DATABASE_URL", UrlAs("flagmeter", "app-secret")},
                            {"VALKEY_URL", valkey.url()},
                            {"USAGE_CACHE_MS", "0"}});
  std::string error;
  ASSERT_TRUE(process.Start(&error)) << error;
  HttpClient client(process.port());
  ASSERT_EQ(client.PostJson("/api/events", R"({"tenant":"roles","feature":"f","tokens":42})").status, 201);
  HttpResult usage;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    usage = client.Get("/api/usage/roles");
  } while (usage.Json().value("totalTokens", 0) != 42 && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(usage.Json().value("totalTokens", 0), 42) << usage.body << process.Log();
  EXPECT_EQ(process.Stop(SIGTERM), 0) << process.Log();

  // Its tables belong to it, not to the superuser.
  EXPECT_EQ(QueryInt64(UrlWithDatabase(server_.url(), "flagmeter"),
                       "SELECT count(*) FROM pg_tables WHERE tablename = 'events' AND tableowner = 'flagmeter'"),
            1);
}

TEST_F(PostgresRoles, TheExporterReadsStatisticsButNoData) {
  TestValkey valkey;
  ASSERT_TRUE(valkey.Start().ok());
  FlagmeterProcess process({{"DATABASE_URL", UrlAs("flagmeter", "app-secret")}, {"VALKEY_URL", valkey.url()}});
  std::string error;
  ASSERT_TRUE(process.Start(&error)) << error;  // applies the migrations
  ASSERT_EQ(process.Stop(SIGTERM), 0) << process.Log();

  pqxx::connection exporter(UrlAs("flagmeter_exporter", "exporter-secret"));
  pqxx::nontransaction statistics(exporter);
  EXPECT_GE(statistics.exec1("SELECT count(*) FROM pg_stat_database")[0].as<int>(), 1);
  EXPECT_THROW(statistics.exec("SELECT count(*) FROM events"), pqxx::insufficient_privilege);
}

}  // namespace
}  // namespace flagmeter::test
