#pragma once

#include <sys/types.h>

#include <map>
#include <string>

namespace flagmeter::test {

/// Picks a TCP port on 127.0.0.1 that nothing listens on right now.
int FreePort();

/// The real flagmeter binary (FLAGMETER_BINARY, set by CMake; or the one
/// FLAGMETER_TEST_BINARY names) run as a child process with the given
/// environment, on a free port, its log in a temp file. Not thread-safe.
class FlagmeterProcess final {
 public:
  /// `env` is added to a minimal environment; PORT is chosen unless given.
  explicit FlagmeterProcess(std::map<std::string, std::string> env);
  ~FlagmeterProcess();  // kills the process if still running
  FlagmeterProcess(const FlagmeterProcess&) = delete;
  FlagmeterProcess& operator=(const FlagmeterProcess&) = delete;

  /// Starts the process and waits until it accepts connections. False (with
  /// the log in `error`) if it exited or did not listen in time.
  bool Start(std::string* error, int timeout_ms = 30000);

  /// Sends `signal` and waits for the exit; returns the exit code, 128+N when
  /// killed by signal N, or -1 on timeout.
  int Stop(int signal, int timeout_ms = 15000);

  int port() const { return port_; }
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }  // -1 when not running
  std::string Log() const;

 private:
  std::map<std::string, std::string> env_;
  int port_ = 0;
  pid_t pid_ = -1;
  std::string log_path_;
};

}  // namespace flagmeter::test
