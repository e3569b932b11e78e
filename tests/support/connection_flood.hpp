#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>

namespace flagmeter::test {

/// A hostile client: `connections` keep-alive connections to 127.0.0.1:port,
/// each sending one request after the other (the next as soon as the last
/// is answered) from one thread with poll(), until Stop(). A connection the
/// server closes is opened again. Counts the answers by status. Raw
/// sockets: its answers are not recorded for the OpenAPI check.
class ConnectionFlood final {
 public:
  /// Makes a whole raw HTTP/1.1 request (head and body).
  using MakeRequest = std::function<std::string(std::mt19937_64& random)>;

  ConnectionFlood(int port, int connections, MakeRequest make_request);
  ~ConnectionFlood();  // stops
  ConnectionFlood(const ConnectionFlood&) = delete;
  ConnectionFlood& operator=(const ConnectionFlood&) = delete;

  void Start();
  void Stop();

  /// Answers so far by status; 0 counts connections the server closed.
  std::map<int, std::int64_t> Answers() const;
  /// "N answers (201: a, 503: b, ...)".
  std::string Summary() const;

 private:
  void Run();

  const int port_;
  const int connections_;
  const MakeRequest make_request_;
  std::atomic<bool> running_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::map<int, std::int64_t> answers_;  // guarded by mu_
};

/// A random well-formed API key: "fm_" and 43 base64url characters.
std::string RandomWellFormedKey(std::mt19937_64& random);

}  // namespace flagmeter::test
