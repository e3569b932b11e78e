// The commit statement in its two scopes (COMMIT_PER_TENANT) and two inserts. Citus routes a
// statement to one shard only when every distributed table it touches is
// fixed to one value of the distribution column; this reads the per-tenant
// statement's text and checks that each reference to a distributed table is
// (support/citus_tables.hpp lists them, as docs/scaling.md distributes them).
#include "store/pg_commit_sql.hpp"

#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "support/citus_tables.hpp"

namespace flagmeter {
namespace {

// Ends where the clause of `at` ends: at the parenthesis that closes the
// subquery or CTE it sits in, or at a UNION of its own level.
std::string ClauseFrom(const std::string& sql, std::size_t at) {
  int depth = 0;
  std::size_t end = at;
  for (; end < sql.size(); ++end) {
    if (sql[end] == '(') ++depth;
    if (sql[end] == ')' && depth-- == 0) break;
    if (depth == 0 && sql.compare(end, 6, " UNION") == 0) break;
  }
  return sql.substr(at, end - at);
}

bool IsKeyword(const std::string& word) {
  static const std::set<std::string> kKeywords{"WHERE", "JOIN",  "ON",        "GROUP",  "ORDER", "SET",   "USING",
                                               "LIMIT", "UNION", "RETURNING", "SELECT", "LEFT",  "INNER", "CROSS"};
  std::string upper;
  for (char c : word) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return kKeywords.count(upper) != 0;
}

struct RoutingCheck {
  int references = 0;               // references to distributed tables seen
  std::vector<std::string> unfixed;  // those not fixed to the tenant: "FROM events e"
};

// Every FROM, JOIN and UPDATE of a distributed table must be filtered by
// `<its alias>.tenant_id = $4::uuid` within its clause; every INSERT INTO one
// must take only rows filtered by `tenant_id = $4::uuid`.
RoutingCheck CheckFixedToOneTenant(const std::string& sql) {
  static const std::regex kReference(R"(\b(FROM|JOIN|UPDATE|INSERT INTO)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?)",
                                     std::regex::icase);
  const std::string fixed = std::string("tenant_id = ") + kTenantIdParameter;
  RoutingCheck check;
  for (auto it = std::sregex_iterator(sql.begin(), sql.end(), kReference); it != std::sregex_iterator(); ++it) {
    const std::smatch& match = *it;
    const std::string verb = match[1].str();
    const std::string table = match[2].str();
    if (test::kCitusDistributed.count(table) == 0) continue;
    ++check.references;
    const std::string clause = ClauseFrom(sql, static_cast<std::size_t>(match.position(0)));
    if (verb == "INSERT INTO") {
      if (clause.find(fixed) == std::string::npos) check.unfixed.push_back(verb + " " + table);
      continue;
    }
    const std::string alias = match[3].matched && !IsKeyword(match[3].str()) ? match[3].str() : table;
    if (clause.find(alias + "." + fixed) == std::string::npos) check.unfixed.push_back(verb + " " + table + " " + alias);
  }
  return check;
}

std::string ReplaceOnce(std::string text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(CommitEventsSql, EveryDistributedTableOfThePerTenantStatementIsFixedToTheTenant) {
  // Two reads of events and one of events_unpartitioned, two UPDATEs, the
  // INSERTs into events and the three rollups; the plain insert's form reads
  // events once (the older partitions) and updates nothing.
  for (const auto& [insert, references] : {std::pair{LedgerInsert::kSkipStored, 9}, std::pair{LedgerInsert::kExpectNew, 6}}) {
    const RoutingCheck check = CheckFixedToOneTenant(CommitEventsSql(CommitStatements::kOnePerTenant, insert));
    EXPECT_EQ(check.unfixed, std::vector<std::string>{});
    EXPECT_EQ(check.references, references);
  }
}

std::size_t Occurrences(const std::string& text, const std::string& what) {
  std::size_t count = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

// The text from `from` to the start of `to` (or the end).
std::string Between(const std::string& text, const std::string& from, const std::string& to) {
  const std::size_t begin = text.find(from);
  EXPECT_NE(begin, std::string::npos) << from;
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find(to, begin) - begin);
}

// The plain insert's form shares the other's reading of the batch, its
// look-up of older copies and its rollups, in both scopes; it has no
// ON CONFLICT on the events, and none of the look-ups and replacements.
TEST(CommitEventsSql, ThePlainInsertSharesTheBatchTheOlderCopiesAndTheRollups) {
  const std::string events_clause = "ON CONFLICT (tenant_id, event_id, ledger_period) DO NOTHING";
  for (const CommitStatements scope : {CommitStatements::kOnePerBatch, CommitStatements::kOnePerTenant}) {
    const std::string skip = CommitEventsSql(scope, LedgerInsert::kSkipStored);
    const std::string plain = CommitEventsSql(scope, LedgerInsert::kExpectNew);
    EXPECT_EQ(Occurrences(skip, events_clause), 1u);
    EXPECT_EQ(Occurrences(plain, events_clause), 0u);
    EXPECT_EQ(Occurrences(skip, "ON CONFLICT"), 4u);
    EXPECT_EQ(Occurrences(plain, "ON CONFLICT"), 3u);
    EXPECT_EQ(plain.substr(0, plain.find("), inserted AS (")), skip.substr(0, skip.find("), inserted AS (")));
    EXPECT_EQ(Between(plain, "), minute_deltas AS (", "\nSELECT"), Between(skip, "), minute_deltas AS (", "\nSELECT"));
    for (const char* only_skip : {"), found AS (", "), stored AS (", "UPDATE events e", "), replaced AS ("}) {
      EXPECT_EQ(Occurrences(plain, only_skip), 0u) << only_skip;
      EXPECT_EQ(Occurrences(skip, only_skip), 1u) << only_skip;
    }
  }
}

// The batch statement is the same text without the filters: nothing in it is
// fixed to a tenant, and the check names each of its nine references.
TEST(CommitEventsSql, TheCheckNamesEveryReferenceOfTheBatchStatement) {
  const std::string batch = CommitEventsSql(CommitStatements::kOnePerBatch, LedgerInsert::kSkipStored);
  EXPECT_EQ(batch.find("$4"), std::string::npos);
  EXPECT_EQ(batch.find("{{"), std::string::npos);
  EXPECT_EQ(CheckFixedToOneTenant(batch).unfixed,
            (std::vector<std::string>{"FROM events e", "FROM events_unpartitioned u", "INSERT INTO events",
                                      "FROM events e", "UPDATE events e", "UPDATE events_unpartitioned e",
                                      "INSERT INTO usage_minute", "INSERT INTO usage_hour",
                                      "INSERT INTO usage_day"}));
}

TEST(CommitEventsSql, TheCheckCatchesOneReferenceLeftUnfixed) {
  const std::string per_tenant = CommitEventsSql(CommitStatements::kOnePerTenant, LedgerInsert::kSkipStored);
  // A filter dropped.
  EXPECT_EQ(CheckFixedToOneTenant(ReplaceOnce(per_tenant, " AND u.tenant_id = $4::uuid", "")).unfixed,
            std::vector<std::string>{"FROM events_unpartitioned u"});
  // A filter on another alias than the table's.
  EXPECT_EQ(CheckFixedToOneTenant(ReplaceOnce(per_tenant, "AND e.tenant_id = $4::uuid", "AND f.tenant_id = $4::uuid"))
                .unfixed,
            std::vector<std::string>{"FROM events e"});
  // A new read of a distributed table without one.
  EXPECT_EQ(CheckFixedToOneTenant(ReplaceOnce(per_tenant, "), all_replaced AS (",
                                              "), stray AS (SELECT 1 FROM usage_day d WHERE d.feature = 'x'"
                                              "), all_replaced AS ("))
                .unfixed,
            std::vector<std::string>{"FROM usage_day d"});
  // Rows inserted into a rollup from a source no longer filtered.
  EXPECT_EQ(CheckFixedToOneTenant(ReplaceOnce(per_tenant, " WHERE minute_deltas.tenant_id = $4::uuid ORDER BY", " ORDER BY"))
                .unfixed,
            std::vector<std::string>{"INSERT INTO usage_minute"});
}

}  // namespace
}  // namespace flagmeter
