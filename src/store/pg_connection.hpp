#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <pqxx/connection>

namespace flagmeter {

struct PreparedStatement {
  std::string name;
  std::string sql;
};

/// `url` with `key=value` added, unless the URL sets `key` already. Accepts
/// libpq URIs (postgres://...) and keyword/value strings ("host=... dbname=...").
std::string WithConnectionParameter(const std::string& url, const std::string& key,
                                    const std::string& value);

/// One PostgreSQL connection, opened on first use, with its prepared
/// statements and session settings. After Reset() the next Get() opens a fresh
/// one, so callers drop it on a broken connection and recover on the next call.
/// Owned by one thread (a pqxx::connection is not thread-safe).
class PgConnection final {
 public:
  /// Does not connect. A connect_timeout of 3 s is added to `url` unless it
  /// sets one, so an unreachable server fails fast instead of hanging a thread.
  PgConnection(std::string url, std::vector<PreparedStatement> statements,
               std::vector<std::pair<std::string, std::string>> session_settings = {});
  ~PgConnection();

  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  /// The open connection, connecting first when there is none. Blocking.
  /// Throws pqxx::broken_connection when the server cannot be reached.
  pqxx::connection& Get();

  /// Whether a connection is held that was open at its last use: a failure
  /// on it may just mean the server closed it since (restart, idle timeout).
  bool IsOpen() const;

  /// Drops the connection; the next Get() reconnects.
  void Reset();

 private:
  const std::string url_;
  const std::vector<PreparedStatement> statements_;
  const std::vector<std::pair<std::string, std::string>> session_settings_;
  std::unique_ptr<pqxx::connection> connection_;
};

}  // namespace flagmeter
