#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "flagmeter/store/usage_reader.hpp"

namespace flagmeter {

class PgConnection;

/// UsageReader on PostgreSQL: two short queries per ReadUsage (the tenant,
/// then its day rollups in the period, summed per feature). Statements time
/// out after 5 s; a broken connection is dropped and reopened by the next call.
/// Owned by one query thread: it holds one connection that is not thread-safe.
class PgUsageReader final : public UsageReader {
 public:
  /// `database_url`: a libpq URI (postgres://...) or keyword/value string.
  /// A usage read lists at most `max_features` features (USAGE_MAX_FEATURES)
  /// and reads no more rows than that. Does not connect; the first call does.
  explicit PgUsageReader(std::string database_url, std::size_t max_features = 100);
  ~PgUsageReader() override;

  PgUsageReader(const PgUsageReader&) = delete;
  PgUsageReader& operator=(const PgUsageReader&) = delete;

  /// See UsageReader::ReadUsage. NotFound("Tenant '<name>' not found").
  /// Features are ordered by tokens descending, then by name (bytewise); the
  /// ones past `max_features` are summed in `other_features`. Blocking.
  Result<TenantUsage> ReadUsage(const std::string& tenant_name, std::int64_t now_ms) override;

  /// `SELECT 1`; Unavailable when the database does not answer. Blocking.
  Status Ping() override;

 private:
  Result<TenantUsage> ReadOnce(const std::string& tenant_name, std::int64_t now_ms);

  const std::size_t max_features_;
  std::unique_ptr<PgConnection> connection_;
};

}  // namespace flagmeter
