#pragma once

#include <cctype>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/http_client.hpp"

namespace flagmeter::test {

/// `text` percent-encoded for a URL query value (RFC 3986 unreserved kept).
inline std::string UrlEncode(const std::string& text) {
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof(hex), "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

/// What Prometheus answered to one instant query.
struct QueryAnswer {
  bool success = false;   // "status": "success"
  std::string error;      // errorType and error, or the transport problem
  std::size_t series = 0; // vector/matrix: its length; scalar/string: 1
  nlohmann::json result;  // data.result
};

/// An instant query through GET /api/v1/query. Blocking.
inline QueryAnswer QueryPrometheus(HttpClient& client, const std::string& expr) {
  const HttpResult answer = client.Get("/api/v1/query?query=" + UrlEncode(expr));
  QueryAnswer out;
  if (answer.status == 0) {
    out.error = "no answer from Prometheus";
    return out;
  }
  const nlohmann::json body = answer.Json();
  if (!body.is_object()) {
    out.error = "HTTP " + std::to_string(answer.status) + ", not JSON: " + answer.body.substr(0, 300);
    return out;
  }
  out.success = body.value("status", "") == "success";
  if (!out.success) {
    out.error = body.value("errorType", "?") + ": " + body.value("error", answer.body.substr(0, 300));
    return out;
  }
  const nlohmann::json& data = body["data"];
  out.result = data.value("result", nlohmann::json::array());
  const std::string type = data.value("resultType", "");
  out.series = (type == "vector" || type == "matrix") ? out.result.size() : 1;
  return out;
}

/// Polls `done` every 200 ms until it returns true (then true) or `timeout`
/// passes (then false). Blocking.
inline bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return true;
}

}  // namespace flagmeter::test
