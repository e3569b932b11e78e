#include "store/pg_connection.hpp"

namespace flagmeter {
namespace {

constexpr char kConnectTimeoutSeconds[] = "3";

bool IsUri(const std::string& url) {
  return url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0;
}

}  // namespace

std::string WithConnectionParameter(const std::string& url, const std::string& key,
                                    const std::string& value) {
  if (IsUri(url)) {
    const std::size_t query = url.find('?');
    if (query != std::string::npos) {
      const std::string params = "&" + url.substr(query + 1);
      if (params.find("&" + key + "=") != std::string::npos) return url;
      return url + "&" + key + "=" + value;
    }
    return url + "?" + key + "=" + value;
  }
  // Keyword/value form: a later duplicate would override the caller's value,
  // so only add the key when it is absent.
  const std::string padded = " " + url;
  if (padded.find(" " + key + "=") != std::string::npos ||
      padded.find(" " + key + " =") != std::string::npos) {
    return url;
  }
  return url.empty() ? key + "=" + value : url + " " + key + "=" + value;
}

PgConnection::PgConnection(std::string url, std::vector<PreparedStatement> statements,
                           std::vector<std::pair<std::string, std::string>> session_settings)
    : url_(WithConnectionParameter(url, "connect_timeout", kConnectTimeoutSeconds)),
      statements_(std::move(statements)),
      session_settings_(std::move(session_settings)) {}

PgConnection::~PgConnection() = default;

pqxx::connection& PgConnection::Get() {
  if (connection_ != nullptr && connection_->is_open()) return *connection_;
  connection_.reset();
  auto connection = std::make_unique<pqxx::connection>(url_);
  for (const auto& [name, value] : session_settings_) connection->set_variable(name, value);
  for (const PreparedStatement& statement : statements_) {
    connection->prepare(statement.name, statement.sql);
  }
  connection_ = std::move(connection);
  return *connection_;
}

bool PgConnection::IsOpen() const { return connection_ != nullptr && connection_->is_open(); }

void PgConnection::Reset() { connection_.reset(); }

}  // namespace flagmeter
