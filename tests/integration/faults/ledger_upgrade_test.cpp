// Upgrading a deployment whose raw events sit in one unpartitioned table
// (schema version 9) to the partitioned ledger (migrations/0010): the
// migration itself only renames and creates, the service moves the old rows
// in batches while it serves, ingest keeps answering 201, and every total is
// the same after as before.
#include <chrono>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "fault_stack.hpp"
#include "flagmeter/store/migrations.hpp"
#include "support/flagmeter_process.hpp"
#include "support/http_client.hpp"
#include "support/load_driver.hpp"
#include "support/metric_sum.hpp"
#include "support/test_postgres.hpp"

namespace flagmeter::test {
namespace {

constexpr int kLegacyEvents = 1'000'000;

// The old commit path's result for one tenant (kLegacyEvents raw events
// stored over the last 30 days) and their minute, hour and day rollups.
constexpr char kFillLegacyLedgerSql[] = R"sql(
WITH t AS (INSERT INTO tenants (name) VALUES ('legacy') RETURNING id),
e AS (
  INSERT INTO events (tenant_id, event_id, feature, tokens, occurred_at, received_at, stored_at, accept_seq)
  SELECT (SELECT id FROM t), 'legacy-' || g, 'f' || (g % 5), 1 + g % 13,
         now() - (g % 43200) * interval '1 minute', now() - (g % 43200) * interval '1 minute',
         now() - (g % 43200) * interval '1 minute', g
  FROM generate_series(1, 1000000) g
  RETURNING *
), m AS (
  INSERT INTO usage_minute SELECT tenant_id, feature, date_trunc('minute', occurred_at, 'UTC'), sum(tokens), count(*)
  FROM e GROUP BY 1, 2, 3 RETURNING 1
), h AS (
  INSERT INTO usage_hour SELECT tenant_id, feature, date_trunc('hour', occurred_at, 'UTC'), sum(tokens), count(*)
  FROM e GROUP BY 1, 2, 3 RETURNING 1
), d AS (
  INSERT INTO usage_day SELECT tenant_id, feature, date_trunc('day', occurred_at, 'UTC'), sum(tokens), count(*)
  FROM e GROUP BY 1, 2, 3 RETURNING 1
)
SELECT count(*) FROM e
)sql";

TEST(LedgerUpgrade, AMillionEventLedgerMovesInBatchesWhileIngestAnswers201) {
  FaultStack stack;
  ASSERT_NO_FATAL_FAILURE(stack.Start());
  const std::string url = stack.database->url();
  std::vector<Migration> version_9;
  for (const Migration& migration : EmbeddedMigrations()) {
    if (migration.version <= 9) version_9.push_back(migration);
  }
  ASSERT_TRUE(ApplyMigrations(url, version_9).ok());
  ASSERT_EQ(QueryInt64(url, kFillLegacyLedgerSql), kLegacyEvents);
  const std::int64_t legacy_tokens = QueryInt64(url, "SELECT sum(tokens) FROM events");
  const std::int64_t legacy_rolled_up = QueryInt64(url, "SELECT sum(tokens) FROM usage_day");
  ASSERT_EQ(legacy_tokens, legacy_rolled_up);

  FlagmeterProcess process(stack.Environment({{"LEDGER_MOVE_BATCH", "20000"}}));
  std::string error;
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(process.Start(&error)) << error;
  const double start_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  LoadDriver load({.ports = {process.port()}, .tenant_prefix = "upgrade", .threads = 4});
  load.SetPhase("moving");
  load.Start();
  const auto moving = std::chrono::steady_clock::now();
  std::int64_t waiting = kLegacyEvents;
  while (waiting > 0 && std::chrono::steady_clock::now() - moving < std::chrono::minutes(4)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    waiting = QueryInt64(url, "SELECT count(*) FROM events_unpartitioned");
  }
  const double move_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - moving).count();
  load.SetPhase("after");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  load.Stop();
  ASSERT_EQ(waiting, 0) << "the move did not end in 4 minutes\n" << Tail(process.Log());

  const LoadReport report = load.Report();
  const std::int64_t answered_201 = report.Count("moving", 201);
  EXPECT_GT(answered_201, 100) << report.Summary();
  EXPECT_EQ(report.CountRange(0, 200) + report.CountRange(202, 599), 0) << report.Summary();
  std::cout << "ledger upgrade: start-up (migrations) " << start_s << " s; " << kLegacyEvents << " rows moved in "
            << move_s << " s (" << static_cast<std::int64_t>(kLegacyEvents / move_s) << " rows/s) while "
            << answered_201 << " requests were answered 201 (" << report.Summary() << ")\n";

  auto counted = WaitForDrain({.ports = {process.port()}, .valkey = &stack.valkey}, load.tenants(),
                              std::chrono::seconds(60));
  ASSERT_TRUE(counted.ok()) << counted.status().ToString() << "\n" << Tail(process.Log());
  EXPECT_EQ(CheckAccounting(report, *counted), "");

  // The old ledger: every row once, in the partitioned table, same totals.
  const std::string legacy = "(SELECT id FROM tenants WHERE name = 'legacy')";
  EXPECT_EQ(QueryInt64(url, "SELECT count(*) FROM events WHERE tenant_id = " + legacy), kLegacyEvents);
  EXPECT_EQ(QueryInt64(url, "SELECT sum(tokens) FROM events WHERE tenant_id = " + legacy), legacy_tokens);
  EXPECT_EQ(QueryInt64(url, "SELECT sum(tokens) FROM usage_day WHERE tenant_id = " + legacy), legacy_rolled_up);
  EXPECT_EQ(QueryInt64(url, "SELECT count(*) - count(DISTINCT (tenant_id, event_id)) FROM events"), 0);
  EXPECT_EQ(MetricSum(process.port(), "flagmeter_ledger_rows_moved_total"), kLegacyEvents);
  EXPECT_EQ(process.Stop(SIGTERM), 0) << Tail(process.Log());
}

}  // namespace
}  // namespace flagmeter::test
