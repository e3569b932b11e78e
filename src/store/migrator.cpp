#include <algorithm>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "flagmeter/store/migrations.hpp"
#include "store/pg_connection.hpp"
#include "store/pg_errors.hpp"

namespace flagmeter {
namespace {

// Session advisory lock held while migrating, so instances starting together
// take turns; advisory locks are scoped to the database. ASCII "flagmetr".
constexpr std::int64_t kMigrationLockKey = 0x666c61676d657472;

// Created under the lock: CREATE TABLE IF NOT EXISTS is not safe against a
// concurrent identical statement (both may pass the check, one then fails).
constexpr char kCreateSchemaMigrations[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version integer PRIMARY KEY,"
    " name text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";

// `function` is pg_advisory_lock (blocks until granted) or pg_advisory_unlock.
void CallLockFunction(pqxx::connection& connection, const std::string& function) {
  pqxx::nontransaction tx(connection);
  tx.exec_params("SELECT " + function + "($1)", kMigrationLockKey);
  tx.commit();
}

void CreateSchemaMigrations(pqxx::connection& connection) {
  pqxx::nontransaction tx(connection);
  tx.exec(kCreateSchemaMigrations);
  tx.commit();
}

std::set<int> AppliedVersions(pqxx::connection& connection) {
  pqxx::nontransaction tx(connection);
  std::set<int> versions;
  for (const pqxx::row& row : tx.exec("SELECT version FROM schema_migrations")) {
    versions.insert(row[0].as<int>());
  }
  tx.commit();
  return versions;
}

// The migration's SQL and its record commit together or not at all.
Status ApplyOne(pqxx::connection& connection, const Migration& migration) {
  const std::string name(migration.name);
  try {
    pqxx::work tx(connection, "migration");
    tx.exec(std::string(migration.sql));
    tx.exec_params("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                   migration.version, name);
    tx.commit();
  } catch (...) {
    const std::string operation = "store: apply migration " + name;
    PgFailure failure = ClassifyCurrentException(operation);
    if (failure.connection_lost) return failure.status;
    return Status::Internal(failure.status.message());
  }
  spdlog::info("store: applied migration {} (version {})", name, migration.version);
  return Status::Ok();
}

Status ApplyPending(pqxx::connection& connection, const std::vector<const Migration*>& sorted) {
  const std::set<int> applied = AppliedVersions(connection);
  for (const Migration* migration : sorted) {
    if (applied.count(migration->version) != 0) continue;
    Status status = ApplyOne(connection, *migration);
    if (!status.ok()) return status;
  }
  return Status::Ok();
}

Status CheckVersions(const std::vector<const Migration*>& sorted) {
  for (std::size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i]->version == sorted[i - 1]->version) {
      return Status::Internal("store: apply migrations: version " +
                              std::to_string(sorted[i]->version) + " is used by both " +
                              std::string(sorted[i - 1]->name) + " and " +
                              std::string(sorted[i]->name));
    }
  }
  return Status::Ok();
}

}  // namespace

Status ApplyMigrations(const std::string& database_url, const std::vector<Migration>& migrations) {
  std::vector<const Migration*> sorted;
  for (const Migration& migration : migrations) sorted.push_back(&migration);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Migration* a, const Migration* b) { return a->version < b->version; });
  if (Status status = CheckVersions(sorted); !status.ok()) return status;

  std::unique_ptr<pqxx::connection> connection;
  try {
    connection = std::make_unique<pqxx::connection>(
        WithConnectionParameter(database_url, "connect_timeout", "3"));
  } catch (...) {
    return ClassifyCurrentException("store: apply migrations: connect to database").status;
  }
  try {
    CallLockFunction(*connection, "pg_advisory_lock");
    CreateSchemaMigrations(*connection);
    Status status = ApplyPending(*connection, sorted);
    // On failure the lock is released anyway when the connection closes below.
    if (status.ok()) CallLockFunction(*connection, "pg_advisory_unlock");
    return status;
  } catch (...) {
    return ClassifyCurrentException("store: apply migrations").status;
  }
}

}  // namespace flagmeter
