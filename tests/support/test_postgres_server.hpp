#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "flagmeter/core/status.hpp"

namespace flagmeter::test {

/// A PostgreSQL cluster of one test's own, for tests that stop, kill and
/// restart the database: the shared server of FLAGMETER_TEST_DATABASE_URL
/// must never be stopped by one test while others use it.
///
/// The cluster lives in a fresh temporary folder (data, Unix socket, logs),
/// listens on 127.0.0.1 at a free port, trusts every local connection and runs
/// as the `postgres` user (through runuser) when the test runs as root, since
/// PostgreSQL refuses to run as root. Binaries: /usr/lib/postgresql/15/bin, or
/// $FLAGMETER_TEST_PG_BIN. Errors quote the tail of the server's log.
///
/// The destructor stops the server (fast, then SIGKILL) and deletes the
/// folder. Not thread-safe: drive it from the test's main thread; url() may be
/// used from any thread.
class TestPostgresServer final {
 public:
  /// Picks the port and creates the folder; does not initialise or start.
  TestPostgresServer();
  ~TestPostgresServer();
  TestPostgresServer(const TestPostgresServer&) = delete;
  TestPostgresServer& operator=(const TestPostgresServer&) = delete;

  /// Runs initdb the first time, then starts the server and waits until it
  /// accepts connections. Blocking (a few seconds on first use).
  Status Start();

  /// Makes this cluster, before its first Start(), a streaming hot standby
  /// of `primary` (which must be running) instead of a fresh one:
  /// `pg_basebackup -R -X stream --checkpoint=fast` from it over TCP (initdb's pg_hba trusts
  /// local replication connections; wal_level is replica by default). Start()
  /// then runs it as a hot standby. Blocking (about a second).
  Status CloneAsStandbyOf(const TestPostgresServer& primary);

  /// `pg_ctl stop -m fast`: open sessions are ended, the server shuts down
  /// cleanly. Blocking until it has exited.
  Status Stop();

  /// SIGKILL to the postmaster and every process of its group (a crash);
  /// waits until they are gone. The next Start() runs crash recovery.
  void Kill();

  bool running() const { return postmaster_pid_ > 0; }
  int port() const { return port_; }
  /// The superuser URL of the `postgres` database:
  /// postgres://postgres@127.0.0.1:<port>/postgres
  std::string url() const;
  /// The last `max_bytes` of the server's log, for failure messages.
  std::string LogTail(std::size_t max_bytes = 3000) const;

 private:
  Status InitDb();
  Status PrepareDirForServerUser();
  Status RunTool(const std::vector<std::string>& args, const std::string& what);
  pid_t ReadPostmasterPid() const;

  std::string dir_;
  std::string data_dir_;
  std::string bin_dir_;
  int port_ = 0;
  bool initialised_ = false;
  pid_t postmaster_pid_ = -1;
};

}  // namespace flagmeter::test
