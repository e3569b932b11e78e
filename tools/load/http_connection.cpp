#include "load/http_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace flagmeter::load {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::as_tuple;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

namespace {

// The server closes keep-alive connections idle for 60 s; reconnecting
// before that avoids sending a request into a socket that is being closed.
constexpr auto kMaxIdle = std::chrono::seconds(30);
constexpr std::uint32_t kBodyLimit = 1 << 20;

// Errors that mean "the server had closed this kept-alive connection before
// reading our request": safe to retry once on a fresh connection.
bool IsStaleConnection(const boost::system::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::eof;
}

}  // namespace

Result<tcp::endpoint> ResolveEndpoint(const std::string& host, const std::string& port) {
  asio::io_context io;
  tcp::resolver resolver(io);
  boost::system::error_code ec;
  const auto results = resolver.resolve(host, port, ec);
  if (ec || results.empty()) {
    return Status::Unavailable("resolve " + host + ":" + port + ": " + (ec ? ec.message() : "no address"));
  }
  return results.begin()->endpoint();
}

struct HttpConnection::Impl {
  Impl(asio::any_io_executor executor, tcp::endpoint target, std::string host, std::chrono::milliseconds limit)
      : stream(std::move(executor)), endpoint(target), host_header(std::move(host)), timeout(limit) {}

  asio::awaitable<HttpAnswer> Exchange(http::request<http::string_body>& request);
  asio::awaitable<HttpAnswer> Send(http::verb verb, std::string target, std::string body);
  void Reset() {
    boost::system::error_code ignored;
    stream.socket().close(ignored);
    connected = false;
  }

  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  const tcp::endpoint endpoint;
  const std::string host_header;
  const std::chrono::milliseconds timeout;
  bool connected = false;
  bool stale = false;  // the last Exchange failed as on a connection the server had closed
  std::chrono::steady_clock::time_point last_used;
};

// One request on the current connection, connecting first when needed.
asio::awaitable<HttpAnswer> HttpConnection::Impl::Exchange(http::request<http::string_body>& request) {
  HttpAnswer answer;
  stale = false;
  if (!connected) {
    stream.expires_after(timeout);
    auto [ec] = co_await stream.async_connect(endpoint, as_tuple(use_awaitable));
    if (ec) {
      Reset();
      answer.error = "connect: " + ec.message();
      co_return answer;
    }
    stream.socket().set_option(tcp::no_delay(true), ec);
    buffer.clear();
    connected = true;
  }
  stream.expires_after(timeout);
  auto [write_ec, written] = co_await http::async_write(stream, request, as_tuple(use_awaitable));
  if (write_ec) {
    stale = IsStaleConnection(write_ec);
    answer.error = "write: " + write_ec.message();
    co_return answer;
  }
  http::response_parser<http::string_body> parser;
  parser.body_limit(kBodyLimit);
  auto [read_ec, read] = co_await http::async_read(stream, buffer, parser, as_tuple(use_awaitable));
  if (read_ec) {
    stale = IsStaleConnection(read_ec) && !parser.got_some();
    answer.error = "read: " + read_ec.message();
    co_return answer;
  }
  stream.expires_never();
  http::response<http::string_body> response = parser.release();
  answer.status = response.result_int();
  answer.body = std::move(response.body());
  if (!response.keep_alive()) Reset();
  co_return answer;
}

asio::awaitable<HttpAnswer> HttpConnection::Impl::Send(http::verb verb, std::string target, std::string body) {
  http::request<http::string_body> request{verb, target, 11};
  request.set(http::field::host, host_header);
  request.set(http::field::user_agent, "flagmeter-load");
  if (verb == http::verb::post) {
    request.set(http::field::content_type, "application/json");
    request.body() = std::move(body);
  }
  request.keep_alive(true);
  request.prepare_payload();
  const auto now = std::chrono::steady_clock::now();
  if (connected && now - last_used > kMaxIdle) Reset();
  const bool reused = connected;
  HttpAnswer answer = co_await Exchange(request);
  if (answer.status == 0) Reset();
  // A reused connection the server had just closed fails before any byte of
  // an answer; one retry on a fresh connection is what browsers and k6 do.
  if (answer.status == 0 && reused && stale) {
    answer = co_await Exchange(request);
    if (answer.status == 0) Reset();
  }
  last_used = std::chrono::steady_clock::now();
  co_return answer;
}

HttpConnection::HttpConnection(asio::any_io_executor executor, tcp::endpoint endpoint, std::string host_header,
                               std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>(std::move(executor), endpoint, std::move(host_header), timeout)) {}

HttpConnection::~HttpConnection() = default;

asio::awaitable<HttpAnswer> HttpConnection::Get(std::string target) {
  return impl_->Send(http::verb::get, std::move(target), {});
}

asio::awaitable<HttpAnswer> HttpConnection::PostJson(std::string target, std::string body) {
  return impl_->Send(http::verb::post, std::move(target), std::move(body));
}

void HttpConnection::Close() { impl_->Reset(); }

}  // namespace flagmeter::load
