#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "flagmeter/core/status.hpp"

namespace flagmeter {

/// One versioned schema change, from migrations/NNNN_name.sql.
struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

/// The migrations compiled into this binary, in version order.
const std::vector<Migration>& EmbeddedMigrations();

/// Applies every migration of `migrations` not yet recorded in the database's
/// schema_migrations table, each in its own transaction, in version order.
/// Idempotent, and safe when several instances start at once (they serialise
/// on an advisory lock). Blocking.
Status ApplyMigrations(const std::string& database_url, const std::vector<Migration>& migrations);

}  // namespace flagmeter
