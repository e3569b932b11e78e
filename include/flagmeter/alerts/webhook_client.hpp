#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "flagmeter/core/status.hpp"
#include "flagmeter/tenants/tenant_settings.hpp"

namespace flagmeter {

struct WebhookRequest {
  WebhookUrl url;
  std::string body;  // JSON
  std::vector<std::pair<std::string, std::string>> headers;  // besides Host, Content-Type, User-Agent
};

/// POSTs one webhook and reads the answer, all within `timeout` (name
/// resolution, connect, TLS handshake, send, answer). https:// verifies the
/// server's certificate against the system's CAs and its host name.
/// Ok for a 2xx answer; Unavailable naming what failed otherwise ("HTTP 500",
/// "timed out after 5000 ms", "connect: Connection refused").
/// Blocking; thread-safe (each call has its own io_context).
Status PostWebhook(const WebhookRequest& request, std::chrono::milliseconds timeout);

}  // namespace flagmeter
