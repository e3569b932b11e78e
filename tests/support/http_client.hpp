#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace flagmeter::test {

/// One answer as a client saw it.
struct HttpResult {
  int status = 0;  // 0: no answer (connection failed or closed)
  std::string body;
  std::map<std::string, std::string> headers;  // names in lower case
  nlohmann::json Json() const;                  // the body parsed, or a discarded value
  std::string Header(const std::string& lower_name) const;
};

/// Who answers a client: a flagmeter's answers are recorded for the check
/// against its OpenAPI document (support/answer_log.hpp), another server's
/// (Prometheus, an exporter) are not.
enum class Peer { kFlagMeter, kOther };

/// A blocking HTTP/1.1 client on one keep-alive connection to 127.0.0.1,
/// reconnecting when the server closed it. For tests only; not thread-safe.
class HttpClient final {
 public:
  explicit HttpClient(int port, Peer peer = Peer::kFlagMeter);
  ~HttpClient();

  HttpResult Request(const std::string& method, const std::string& target, const std::string& body = "",
                     const std::map<std::string, std::string>& headers = {});
  HttpResult Get(const std::string& target) { return Request("GET", target); }
  /// POST with Content-Type: application/json.
  HttpResult PostJson(const std::string& target, const std::string& body);

  /// Sends `raw` bytes on a fresh connection and returns everything the
  /// server sent until it closed the connection or `timeout_ms` passed.
  std::string SendRaw(const std::string& raw, int timeout_ms = 2000);

  /// Sends `parts` on a fresh connection, `pause_ms` apart. Returns, for each
  /// part, what the server sent after it: before the next part, and after the
  /// last until the server closed the connection or `timeout_ms` passed.
  std::vector<std::string> SendRawInParts(const std::vector<std::string>& parts, int pause_ms,
                                          int timeout_ms = 2000);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flagmeter::test
