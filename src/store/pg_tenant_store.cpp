#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "flagmeter/store/tenant_pg_stores.hpp"
#include "store/pg_connection.hpp"
#include "store/pg_errors.hpp"
#include "store/pg_tenant_sql.hpp"
#include "store/pg_tenant_rows.hpp"

namespace flagmeter {
namespace {

using pg_tenant::kTenantColumns;
using pg_tenant::kTenantFrom;

// Admin calls are idempotent or keyed (a key id is random), so only a stale
// connection is retried, once.
constexpr int kMaxRetries = 0;
constexpr char kStatementTimeout[] = "5000";  // milliseconds

// One page of tenants. The page is picked first, from the bytewise name
// index (migration 0009), so only its tenants' usage is summed and at most
// $3 rows are read whatever the number of tenants. $2: the last name of the
// previous page ('' before the first: every name is longer); $3: the page's
// limit + 1, the extra row telling whether another page follows.
const std::string kListTenantsSql =
    std::string(
        "WITH page AS MATERIALIZED (\n"
        "  SELECT id FROM tenants WHERE name COLLATE \"C\" > $2::text ORDER BY name COLLATE \"C\" LIMIT $3\n"
        ")\nSELECT ") +
    kTenantColumns + " FROM " + kTenantFrom + " WHERE t.id IN (SELECT id FROM page) ORDER BY t.name COLLATE \"C\"";
const std::string kGetTenantSql =
    std::string("SELECT ") + kTenantColumns + " FROM " + kTenantFrom + " WHERE t.name = $2";

constexpr char kTenantKeysSql[] = R"sql(
SELECT k.key_id, k.key_hint, (extract(epoch FROM k.created_at) * 1000)::bigint,
       (extract(epoch FROM k.revoked_at) * 1000)::bigint
FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
WHERE t.name = $1 ORDER BY k.created_at, k.key_id
)sql";

// $4: whether $5 replaces the webhook URL (NULL clears it).
constexpr char kPutTenantSql[] = R"sql(
INSERT INTO tenants AS t (name, monthly_quota, billing_day, webhook_url, alert_thresholds)
VALUES ($1, coalesce($2::bigint, 1000000000), coalesce($3::smallint, 1), $5::text,
        coalesce($6::integer[], '{80,100}'))
ON CONFLICT (name) DO UPDATE SET
  monthly_quota = coalesce($2::bigint, t.monthly_quota),
  billing_day = coalesce($3::smallint, t.billing_day),
  webhook_url = CASE WHEN $4::boolean THEN $5::text ELSE t.webhook_url END,
  alert_thresholds = coalesce($6::integer[], t.alert_thresholds),
  updated_at = now()
RETURNING (xmax = 0) AS created
)sql";

constexpr char kCreateKeySql[] = R"sql(
WITH v AS (UPDATE api_key_changes SET version = version + 1 RETURNING version)
INSERT INTO api_keys (key_id, tenant_id, key_hash, key_hint, version)
SELECT $1, t.id, $3, $4, v.version FROM tenants t, v WHERE t.name = $2
RETURNING (extract(epoch FROM created_at) * 1000)::bigint, version
)sql";

constexpr char kRevokeKeySql[] = R"sql(
WITH target AS (
  SELECT k.key_id, k.revoked_at, k.key_hash, k.version FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
  WHERE t.name = $1 AND k.key_id = $2
), v AS (
  UPDATE api_key_changes SET version = version + 1
  WHERE EXISTS (SELECT 1 FROM target WHERE revoked_at IS NULL)
  RETURNING version
), revoked AS (
  UPDATE api_keys k SET revoked_at = now(), version = v.version
  FROM v WHERE k.key_id IN (SELECT key_id FROM target) AND k.revoked_at IS NULL
  RETURNING 1
)
SELECT target.key_hash, coalesce((SELECT version FROM v), target.version) FROM target
)sql";

constexpr char kKeyEntryColumns[] =
    "SELECT k.key_hash, t.name, k.revoked_at IS NOT NULL, k.version "
    "FROM api_keys k JOIN tenants t ON t.id = k.tenant_id ";
const std::string kKeysSinceSql =
    std::string(kKeyEntryColumns) + "WHERE k.version > $1 ORDER BY k.version LIMIT $2";
const std::string kFindKeySql = std::string(kKeyEntryColumns) + "WHERE k.key_hash = $1";

ApiKeyEntry KeyEntryFromRow(const pqxx::row& row) {
  return ApiKeyEntry{row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<bool>(),
                     row[3].as<std::int64_t>()};
}

// PostgreSQL's array literal: {80,100}.
std::string ArrayLiteral(const std::vector<int>& values) {
  std::string text = "{";
  for (std::size_t i = 0; i < values.size(); ++i) text += (i ? "," : "") + std::to_string(values[i]);
  return text + "}";
}

template <typename T>
std::optional<std::string> TextOf(const std::optional<T>& value) {
  if (!value) return std::nullopt;
  if constexpr (std::is_same_v<T, std::string>) {
    return *value;
  } else if constexpr (std::is_same_v<T, std::vector<int>>) {
    return ArrayLiteral(*value);
  } else {
    return std::to_string(*value);
  }
}

const char* OrNull(const std::optional<std::string>& text) { return text ? text->c_str() : nullptr; }

}  // namespace

PgTenantStore::PgTenantStore(std::string database_url)
    : connection_(std::make_unique<PgConnection>(
          std::move(database_url),
          std::vector<PreparedStatement>{{"fm_list_tenants", kListTenantsSql},
                                         {"fm_get_tenant", kGetTenantSql},
                                         {"fm_tenant_keys", kTenantKeysSql},
                                         {"fm_put_tenant", kPutTenantSql},
                                         {"fm_admit_tenants", kAdmitTenantsSql},
                                         {"fm_create_key", kCreateKeySql},
                                         {"fm_revoke_key", kRevokeKeySql},
                                         {"fm_keys_since", kKeysSinceSql},
                                         {"fm_find_key", kFindKeySql}},
          std::vector<std::pair<std::string, std::string>>{{"statement_timeout", kStatementTimeout}})) {}

PgTenantStore::~PgTenantStore() = default;

Result<TenantOverviewPage> PgTenantStore::ListTenants(std::int64_t now_ms, const TenantPageRequest& page) {
  const std::string operation = "store: list " + std::to_string(page.limit) + " tenants" +
                                (page.after ? " after '" + *page.after + "'" : std::string());
  return RunWithRetries<TenantOverviewPage>(*connection_, operation, kMaxRetries, [&] {
    pqxx::nontransaction tx(connection_->Get(), "list_tenants");
    const pqxx::result rows =
        tx.exec_prepared("fm_list_tenants", pg_tenant::PeriodsJson(now_ms), page.after.value_or(""), page.limit + 1);
    TenantOverviewPage listed;
    for (const pqxx::row& row : rows) {
      if (listed.tenants.size() == static_cast<std::size_t>(page.limit)) {
        listed.next_after = listed.tenants.back().tenant_name;
        break;
      }
      listed.tenants.push_back(pg_tenant::TenantFromRow(row));
    }
    return Result<TenantOverviewPage>(std::move(listed));
  });
}

Result<TenantDetails> PgTenantStore::GetTenant(const std::string& name, std::int64_t now_ms) {
  return RunWithRetries<TenantDetails>(*connection_, "store: read tenant '" + name + "'", kMaxRetries,
                                       [&] { return ReadDetails(name, now_ms); });
}

Result<TenantDetails> PgTenantStore::ReadDetails(const std::string& name, std::int64_t now_ms) {
  // One snapshot for the tenant and its keys.
  pqxx::read_transaction tx(connection_->Get(), "read_tenant");
  const pqxx::result rows = tx.exec_prepared("fm_get_tenant", pg_tenant::PeriodsJson(now_ms), name);
  if (rows.empty()) return Status::NotFound("Tenant '" + name + "' not found");
  TenantDetails details{pg_tenant::TenantFromRow(rows[0]), {}};
  for (const pqxx::row& row : tx.exec_prepared("fm_tenant_keys", name)) {
    ApiKeyInfo key{row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::int64_t>(), std::nullopt};
    if (!row[3].is_null()) key.revoked_at_ms = row[3].as<std::int64_t>();
    details.keys.push_back(std::move(key));
  }
  tx.commit();
  return details;
}

Result<std::vector<std::string>> PgTenantStore::AdmitTenants(const std::vector<std::string>& names, bool create,
                                                              std::int64_t max_tenants) {
  const std::string names_json = nlohmann::json(names).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  using Names = std::vector<std::string>;
  return RunWithRetries<Names>(*connection_, "store: admit tenants", kMaxRetries, [&] {
    pqxx::work tx(connection_->Get(), "admit_tenants");
    if (create) tx.exec(kTenantCreationLockSql);
    Names admitted;
    for (const pqxx::row& row : tx.exec_prepared("fm_admit_tenants", names_json, create, max_tenants)) {
      admitted.push_back(row[0].as<std::string>());
    }
    tx.commit();
    return Result<Names>(std::move(admitted));
  });
}

Result<TenantDetails> PgTenantStore::PutTenant(const std::string& name, const TenantUpdate& update,
                                               std::int64_t now_ms, bool& created) {
  const std::string operation = "store: put tenant '" + name + "'";
  const std::optional<std::string> quota = TextOf(update.monthly_quota);
  const std::optional<std::string> billing_day = TextOf(update.billing_day);
  const std::optional<std::string> thresholds = TextOf(update.alert_thresholds);
  Result<bool> written = RunWithRetries<bool>(*connection_, operation, kMaxRetries, [&] {
    pqxx::nontransaction tx(connection_->Get(), "put_tenant");
    const pqxx::row row = tx.exec_prepared1("fm_put_tenant", name, OrNull(quota), OrNull(billing_day),
                                            update.set_webhook_url, OrNull(update.webhook_url), OrNull(thresholds));
    return Result<bool>(row[0].as<bool>());
  });
  if (!written.ok()) return written.status();
  created = *written;
  return GetTenant(name, now_ms);
}

Result<ApiKeyInfo> PgTenantStore::CreateKey(const std::string& name, const std::string& key_id,
                                            const std::string& key_hash, const std::string& hint) {
  const std::string operation = "store: create a key of tenant '" + name + "'";
  return RunWithRetries<ApiKeyInfo>(*connection_, operation, kMaxRetries, [&]() -> Result<ApiKeyInfo> {
    pqxx::nontransaction tx(connection_->Get(), "create_key");
    const pqxx::result rows = tx.exec_prepared("fm_create_key", key_id, name, key_hash, hint);
    if (rows.empty()) return Status::NotFound("Tenant '" + name + "' not found");
    return ApiKeyInfo{key_id, hint, rows[0][0].as<std::int64_t>(), std::nullopt, rows[0][1].as<std::int64_t>()};
  });
}

Result<ApiKeyEntry> PgTenantStore::RevokeKey(const std::string& name, const std::string& key_id) {
  const std::string operation = "store: revoke key '" + key_id + "' of tenant '" + name + "'";
  return RunWithRetries<ApiKeyEntry>(*connection_, operation, kMaxRetries, [&]() -> Result<ApiKeyEntry> {
    pqxx::nontransaction tx(connection_->Get(), "revoke_key");
    const pqxx::result rows = tx.exec_prepared("fm_revoke_key", name, key_id);
    if (rows.empty()) return Status::NotFound("Tenant '" + name + "' has no key '" + key_id + "'");
    return ApiKeyEntry{rows[0][0].as<std::string>(), name, true, rows[0][1].as<std::int64_t>()};
  });
}

Result<std::vector<ApiKeyEntry>> PgTenantStore::KeysChangedSince(std::int64_t version, int limit) {
  return RunWithRetries<std::vector<ApiKeyEntry>>(*connection_, "store: read changed keys", kMaxRetries, [&] {
    pqxx::nontransaction tx(connection_->Get(), "keys_since");
    std::vector<ApiKeyEntry> entries;
    for (const pqxx::row& row : tx.exec_prepared("fm_keys_since", version, limit)) {
      entries.push_back(KeyEntryFromRow(row));
    }
    return Result<std::vector<ApiKeyEntry>>(std::move(entries));
  });
}

Result<std::optional<ApiKeyEntry>> PgTenantStore::FindKey(const std::string& key_hash) {
  return RunWithRetries<std::optional<ApiKeyEntry>>(*connection_, "store: find a key", kMaxRetries, [&] {
    pqxx::nontransaction tx(connection_->Get(), "find_key");
    const pqxx::result rows = tx.exec_prepared("fm_find_key", key_hash);
    std::optional<ApiKeyEntry> entry;
    if (!rows.empty()) entry = KeyEntryFromRow(rows[0]);
    return Result<std::optional<ApiKeyEntry>>(std::move(entry));
  });
}

}  // namespace flagmeter
