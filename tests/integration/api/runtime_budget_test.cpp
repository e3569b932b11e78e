// The process holds what its start-up line and docs/architecture.md say:
// the threads of RuntimeBudget, and no more connections than it lists.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "api_fixture.hpp"
#include "flagmeter/app/runtime_budget.hpp"
#include "flagmeter/queue/valkey_connection.hpp"

namespace flagmeter::test {
namespace {

class RuntimeBudgetTest : public ApiTest {
 protected:
  std::map<std::string, std::string> ExtraEnv() const override { return {{"ADMIN_TOKEN", kAdminToken}}; }

  static constexpr char kAdminToken[] = "runtime-budget-admin-token";

  int Threads() const {
    int count = 0;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(process_->pid()) + "/task")) {
      (void)entry;
      ++count;
    }
    return count;
  }

  int PostgresConnections() const {
    pqxx::connection connection(database_->url());
    pqxx::work tx(connection);
    return tx.exec1("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()")[0]
        .as<int>();
  }

  int ValkeyConnections() const {
    ValkeyConnection connection(valkey_.endpoint(), 1000);
    auto reply = connection.Command({"CLIENT", "LIST"});
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    int lines = 0;
    for (char c : reply.ok() ? reply->str : std::string()) lines += c == '\n';
    return lines - 1;  // this connection
  }
};

TEST_F(RuntimeBudgetTest, TheProcessRunsTheListedThreadsAndHoldsNoMoreConnections) {
  // Some connections open on first use: use every kind of path once.
  ASSERT_EQ(client_->PostJson("/api/events", R"({"tenant":"acme","feature":"chat","tokens":5})").status, 201);
  WaitForTotal("acme", 5, std::chrono::milliseconds(5000));
  const std::map<std::string, std::string> admin = {{"Authorization", std::string("Bearer ") + kAdminToken}};
  for (const char* path : {"/api/tenants", "/api/dashboard", "/api/dead-letters", "/api/tenants/acme"}) {
    EXPECT_EQ(client_->Request("GET", path, "", admin).status, 200) << path;
  }

  const ThreadBudgetRow listed = RuntimeBudgetTotal(RuntimeBudget(Config{}));
  const int threads = listed.threads, postgres = listed.postgres, valkey = listed.valkey;
  std::cerr << "threads " << Threads() << " (listed " << threads << " + main), PostgreSQL connections "
            << PostgresConnections() << " (listed " << postgres << "), Valkey connections " << ValkeyConnections()
            << " (listed " << valkey << ")\n";
  EXPECT_EQ(Threads(), threads + 1);  // and the main thread, waiting for a signal
  EXPECT_LE(PostgresConnections(), postgres);
  EXPECT_LE(ValkeyConnections(), valkey);
}

}  // namespace
}  // namespace flagmeter::test
