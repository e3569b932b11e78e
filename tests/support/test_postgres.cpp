#include "support/test_postgres.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <random>

#include <pqxx/pqxx>

#include "flagmeter/store/migrations.hpp"

namespace flagmeter::test {
namespace {

std::string UniqueDatabaseName() {
  static std::atomic<int> counter{0};
  std::random_device random;
  // Unique across processes (pid), tests of a process (counter) and reruns
  // after a crash left a database behind (random suffix).
  return "fm_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
         std::to_string(random() % 1'000'000);
}

}  // namespace

std::string UrlWithDatabase(const std::string& url, const std::string& database) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;  // not a URI: left as given
  const std::size_t authority = scheme_end + 3;
  const std::size_t path = url.find('/', authority);
  const std::size_t query = url.find('?', authority);
  const std::size_t base_end = std::min(path, query);
  const std::string rest = query == std::string::npos ? "" : url.substr(query);
  return url.substr(0, base_end) + "/" + database + rest;
}

Result<std::unique_ptr<TestDatabase>> TestDatabase::Create(const std::string& locale) {
  const char* server_url = std::getenv(kTestDatabaseUrlEnv);
  if (server_url == nullptr || *server_url == '\0') {
    return Status::Unavailable(std::string(kTestDatabaseUrlEnv) +
                               " is not set: run the tests with scripts/test, which starts a "
                               "PostgreSQL server and sets it (e.g. "
                               "postgres://postgres@127.0.0.1:55432/postgres)");
  }
  const std::string name = UniqueDatabaseName();
  try {
    pqxx::connection admin(server_url);
    pqxx::nontransaction tx(admin);
    std::string create = "CREATE DATABASE " + tx.quote_name(name);
    if (!locale.empty()) create += " TEMPLATE template0 ENCODING 'UTF8' LOCALE " + tx.quote(locale);
    tx.exec(create);
    tx.commit();
  } catch (const std::exception& e) {
    return Status::Unavailable("test database: create " + name + " on " + kTestDatabaseUrlEnv +
                               ": " + e.what());
  }
  return std::unique_ptr<TestDatabase>(new TestDatabase(server_url, name));
}

TestDatabase::TestDatabase(std::string server_url, std::string name)
    : server_url_(std::move(server_url)),
      name_(std::move(name)),
      url_(UrlWithDatabase(server_url_, name_)) {}

TestDatabase::~TestDatabase() {
  try {
    pqxx::connection admin(server_url_);
    pqxx::nontransaction tx(admin);
    tx.exec_params(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = $1 AND pid <> pg_backend_pid()",
        name_);
    tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name_) + " WITH (FORCE)");
    tx.commit();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "test database: drop " << name_ << ": " << e.what();
  }
}

std::int64_t QueryInt64(const std::string& url, const std::string& sql) {
  pqxx::connection connection(url);
  pqxx::nontransaction tx(connection);
  const pqxx::row row = tx.exec1(sql);
  tx.commit();
  return row[0].is_null() ? 0 : row[0].as<std::int64_t>();
}

std::string UnreachableDatabaseUrl() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  int port = 1;  // fallback: a privileged port no test server uses
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  if (fd >= 0) ::close(fd);
  return "postgres://postgres@127.0.0.1:" + std::to_string(port) + "/flagmeter";
}

void PostgresTest::SetUp() {
  Result<std::unique_ptr<TestDatabase>> database = TestDatabase::Create();
  ASSERT_TRUE(database.ok()) << database.status().ToString();
  database_ = std::move(database).value();
}

void PostgresTest::TearDown() { database_.reset(); }

void MigratedPostgresTest::SetUp() {
  PostgresTest::SetUp();
  if (HasFatalFailure()) return;
  const Status status = ApplyMigrations(database_url(), EmbeddedMigrations());
  ASSERT_TRUE(status.ok()) << status.ToString();
}

}  // namespace flagmeter::test
