#include "flagmeter/alerts/webhook_client.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "flagmeter/alerts/webhook_address_policy.hpp"

namespace flagmeter {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::as_tuple;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

constexpr std::size_t kMaxAnswerBytes = 64 * 1024;
constexpr char kUserAgent[] = "flagmeter-webhook/1";

Status Failed(const std::string& step, const boost::system::error_code& ec) {
  return Status::Unavailable(step + ": " + ec.message());
}

http::request<http::string_body> MakeRequest(const WebhookRequest& request) {
  http::request<http::string_body> message(http::verb::post, request.url.target, 11);
  const bool default_port = request.url.port == (request.url.https ? "443" : "80");
  const bool ipv6 = request.url.host.find(':') != std::string::npos;
  const std::string host = ipv6 ? "[" + request.url.host + "]" : request.url.host;
  message.set(http::field::host, default_port ? host : host + ":" + request.url.port);
  message.set(http::field::content_type, "application/json");
  message.set(http::field::user_agent, kUserAgent);
  message.set(http::field::connection, "close");
  for (const auto& [name, value] : request.headers) message.set(name, value);
  message.body() = request.body;
  message.prepare_payload();
  return message;
}

// Sends `message` on a connected stream and judges the answer.
template <typename Stream>
asio::awaitable<Status> Exchange(Stream& stream, http::request<http::string_body>& message) {
  auto [write_ec, written] = co_await http::async_write(stream, message, as_tuple(use_awaitable));
  if (write_ec) co_return Failed("send", write_ec);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxAnswerBytes);
  auto [read_ec, read] = co_await http::async_read(stream, buffer, parser, as_tuple(use_awaitable));
  if (read_ec) co_return Failed("read the answer", read_ec);
  const unsigned code = parser.get().result_int();
  if (code < 200 || code > 299) co_return Status::Unavailable("HTTP " + std::to_string(code));
  co_return Status::Ok();
}

asio::awaitable<Status> Post(const WebhookRequest& request, const std::vector<tcp::endpoint>& endpoints,
                             ssl::context& tls) {
  auto executor = co_await asio::this_coro::executor;
  http::request<http::string_body> message = MakeRequest(request);
  if (!request.url.https) {
    beast::tcp_stream stream(executor);
    auto [connect_ec, endpoint] = co_await stream.async_connect(endpoints, as_tuple(use_awaitable));
    if (connect_ec) co_return Failed("connect", connect_ec);
    co_return co_await Exchange(stream, message);
  }
  beast::ssl_stream<beast::tcp_stream> stream(executor, tls);
  // SNI, and the certificate must name the host.
  if (!SSL_set_tlsext_host_name(stream.native_handle(), request.url.host.c_str())) {
    co_return Status::Unavailable("tls: cannot set the server name");
  }
  stream.set_verify_callback(ssl::host_name_verification(request.url.host));
  auto [connect_ec, endpoint] = co_await beast::get_lowest_layer(stream).async_connect(endpoints, as_tuple(use_awaitable));
  if (connect_ec) co_return Failed("connect", connect_ec);
  auto [handshake_ec] = co_await stream.async_handshake(ssl::stream_base::client, as_tuple(use_awaitable));
  if (handshake_ec) co_return Failed("tls handshake", handshake_ec);
  co_return co_await Exchange(stream, message);
}

}  // namespace

Status PostWebhook(const WebhookRequest& request, const WebhookLimits& limits) {
  using Clock = std::chrono::steady_clock;
  const std::chrono::milliseconds timeout = limits.timeout;
  const Clock::time_point deadline = Clock::now() + timeout;
  Result<Addresses> addresses = ResolveWithin(request.url.host, timeout, limits.resolve);
  if (!addresses.ok()) return addresses.status();
  if (!limits.allow_private) {
    if (Status public_only = CheckAddressesPublic(request.url.host, *addresses); !public_only.ok()) {
      return Status::InvalidArgument("refused: " + public_only.message() +
                                     " (webhooks go to public addresses only; WEBHOOK_ALLOW_PRIVATE=1 allows it)");
    }
  }
  const auto port = static_cast<unsigned short>(std::stoi(request.url.port));
  std::vector<tcp::endpoint> endpoints;
  for (const asio::ip::address& address : *addresses) endpoints.emplace_back(address, port);
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left <= std::chrono::milliseconds::zero()) {
    return Status::Unavailable("timed out after " + std::to_string(timeout.count()) + " ms");
  }
  ssl::context tls(ssl::context::tls_client);
  tls.set_default_verify_paths();
  tls.set_verify_mode(ssl::verify_peer);
  asio::io_context io_context(1);
  auto outcome = std::make_shared<std::optional<Status>>();
  asio::co_spawn(io_context, Post(request, endpoints, tls), [outcome](std::exception_ptr error, Status status) {
    *outcome = error ? Status::Internal("webhook: unexpected exception") : std::move(status);
  });
  io_context.run_for(left);
  // Still running at the deadline: the io_context's destructor destroys the
  // coroutine, which closes its socket.
  if (!outcome->has_value()) {
    return Status::Unavailable("timed out after " + std::to_string(timeout.count()) + " ms");
  }
  return **outcome;
}

}  // namespace flagmeter
