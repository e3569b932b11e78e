#include "flagmeter/app/runtime_budget.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "flagmeter/core/thread_health.hpp"

namespace flagmeter {
namespace {

ThreadBudgetRow Sum(const std::vector<ThreadBudgetRow>& rows) { return RuntimeBudgetTotal(rows); }

TEST(RuntimeBudget, DefaultsStartTwentyThreadsWithFifteenPostgresAndSevenValkeyConnections) {
  const std::vector<ThreadBudgetRow> rows = RuntimeBudget(Config{});
  const ThreadBudgetRow totals = Sum(rows);
  EXPECT_EQ(totals.threads, 20);
  EXPECT_EQ(totals.postgres, 15);
  EXPECT_EQ(totals.valkey, 7);
  const std::string line = RuntimeBudgetLine(rows);
  EXPECT_EQ(line.rfind("20 threads, 15 PostgreSQL and 7 Valkey connections: io 2, pusher 1 (1 Valkey), ", 0), 0u)
      << line;
}

TEST(RuntimeBudget, ListsEverySupervisedThreadGroupOnce) {
  const std::vector<ThreadBudgetRow> rows = RuntimeBudget(Config{});
  for (std::size_t i = 0; i < kThreadGroupCount; ++i) {
    const std::string_view group = ThreadGroupName(static_cast<ThreadGroup>(i));
    EXPECT_EQ(std::count_if(rows.begin(), rows.end(), [group](const ThreadBudgetRow& row) { return row.group == group; }),
              1)
        << group;
  }
}

TEST(RuntimeBudget, EachSizedGroupFollowsItsVariable) {
  Config config;
  config.worker.concurrency = 5;
  config.store.history_readers = 4;
  config.alerts.senders = 3;
  const ThreadBudgetRow base = Sum(RuntimeBudget(Config{}));
  const ThreadBudgetRow sized = Sum(RuntimeBudget(config));
  // Workers hold one connection to each; history readers and senders one to PostgreSQL.
  EXPECT_EQ(sized.threads - base.threads, 3 + 2 + 1);
  EXPECT_EQ(sized.postgres - base.postgres, 3 + 2 + 1);
  EXPECT_EQ(sized.valkey - base.valkey, 3);
}

TEST(RuntimeBudget, ArchitectureDocShowsTheTableOfTheDefaults) {
  std::ifstream doc(std::string(FLAGMETER_SOURCE_DIR) + "/docs/architecture.md");
  ASSERT_TRUE(doc) << "docs/architecture.md is missing";
  std::stringstream text;
  text << doc.rdbuf();
  const std::string table = RuntimeBudgetTable(RuntimeBudget(Config{}));
  EXPECT_NE(text.str().find(table), std::string::npos) << "docs/architecture.md should contain:\n" << table;
}

}  // namespace
}  // namespace flagmeter
