#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "flagmeter/alerts/bounded_resolver.hpp"
#include "flagmeter/core/status.hpp"
#include "flagmeter/tenants/tenant_settings.hpp"

namespace flagmeter {

struct WebhookRequest {
  WebhookUrl url;
  std::string body;  // JSON
  std::vector<std::pair<std::string, std::string>> headers;  // besides Host, Content-Type, User-Agent
};

struct WebhookLimits {
  std::chrono::milliseconds timeout{5000};  // the whole try: resolution, connect, TLS, send, answer
  bool allow_private = false;               // true: loopback, private... addresses are allowed too
  ResolveFunction resolve = SystemResolve;  // a seam for tests
};

/// POSTs one webhook and reads the answer, all within `limits.timeout`
/// (name resolution too: see ResolveWithin). Connects only to the addresses
/// it resolved and checked, so a name that resolves to a public address when
/// set and to a private one later (DNS rebinding) is still refused.
/// https:// verifies the server's certificate against the system's CAs and
/// its host name.
/// Ok for a 2xx answer; InvalidArgument "refused: ..." when the host has a
/// non-public address and !allow_private (nothing was sent; retrying will
/// not help); Unavailable naming what failed otherwise ("HTTP 500",
/// "timed out after 5000 ms", "connect: Connection refused").
/// Blocking; thread-safe (each call has its own io_context).
Status PostWebhook(const WebhookRequest& request, const WebhookLimits& limits);

}  // namespace flagmeter
