#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "flagmeter/core/status.hpp"

namespace flagmeter::test {

/// Debian's nginx as a test's load balancer: one process (master_process
/// off) on a free port of 127.0.0.1, spreading requests round-robin over the
/// given backend ports on 127.0.0.1, with its config, temp files and logs in
/// a temporary folder of its own.
///
/// A backend that refuses connections is skipped (proxy_next_upstream error)
/// and tried again after a second; a POST that already reached a backend is
/// never sent to another one (nginx's default for non-idempotent requests),
/// so a backend killed mid-request answers the client 502 and the client
/// decides whether to retry.
///
/// The destructor kills nginx and deletes the folder; nginx also dies with
/// the thread that started it (PR_SET_PDEATHSIG). The binary is
/// $FLAGMETER_TEST_NGINX, else /usr/sbin/nginx. Not thread-safe.
class TestNginx final {
 public:
  explicit TestNginx(std::vector<int> backend_ports);
  ~TestNginx();
  TestNginx(const TestNginx&) = delete;
  TestNginx& operator=(const TestNginx&) = delete;

  /// Starts nginx and waits (up to 10 s) until it accepts connections.
  Status Start();

  int port() const { return port_; }

  /// The end of nginx's error log, for failure messages.
  std::string ErrorLogTail() const;

 private:
  Status WriteConfig() const;

  const std::vector<int> backend_ports_;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace flagmeter::test
