#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "flagmeter/config/config.hpp"
#include "flagmeter/core/status.hpp"
#include "flagmeter/queue/valkey_connection.hpp"

namespace flagmeter::test {

/// A private Valkey (or Redis 7) server for one test: its own free port on
/// 127.0.0.1 and its own temporary data folder, with the append-only file on
/// so Stop() then Start() keeps the data (Kill() may lose the last second).
///
/// The binary is $FLAGMETER_TEST_VALKEY_SERVER, else valkey-server or
/// redis-server from PATH. The server's output goes to server.log in the data
/// folder; start-up failures quote its tail.
///
/// The destructor kills the server and deletes the folder; the server also
/// dies with the thread that started it (PR_SET_PDEATHSIG), so a crashed test
/// leaves no server behind. Not thread-safe: drive it from the test's main
/// thread.
class TestValkey final {
 public:
  /// Picks the port and creates the folder; does not start the server.
  /// `extra_args` go to the server after the usual ones, e.g.
  /// {"--replicaof", "127.0.0.1", "<port>"} for a replica.
  explicit TestValkey(std::vector<std::string> extra_args = {});
  ~TestValkey();
  TestValkey(const TestValkey&) = delete;
  TestValkey& operator=(const TestValkey&) = delete;

  /// Starts the server and waits (up to 10 s) until it answers PING.
  /// Blocking. The error says what is missing or why the server did not come up.
  Status Start();

  /// Graceful stop (SIGTERM: the server flushes its AOF), waits for the exit.
  Status Stop();

  /// SIGKILL, waits for the exit. No-op when not running.
  void Kill();

  bool running() const { return pid_ > 0; }
  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  ValkeyEndpoint endpoint() const;
  std::string url() const;  // "redis://127.0.0.1:<port>/0"

  /// Runs one command on the test's own connection; for inspecting state.
  Result<ValkeyReply> Command(const std::vector<std::string_view>& args);

  /// The elements of a list (LRANGE key 0 -1), or empty on any error.
  std::vector<std::string> ListItems(const std::string& key);

  /// LLEN key, or -1 on any error.
  long long ListLength(const std::string& key);

 private:
  Status Spawn(const std::string& binary);
  Status WaitUntilReady();
  bool Reap(int timeout_ms);
  std::string LogTail() const;

  const std::vector<std::string> extra_args_;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  ValkeyConnection client_;
};

}  // namespace flagmeter::test
