// The load generator's HTTP client. It runs on the same cores as the service
// it measures, so it is kept lean: requests are written directly, answers
// parsed in place (load/http_wire), and the timeout is one deadline per
// connection that a watchdog checks, instead of a timer armed and cancelled
// around every read and write.
#include "load/http_connection.hpp"

#include <algorithm>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "load/http_wire.hpp"

namespace flagmeter::load {
namespace asio = boost::asio;
using asio::as_tuple;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

namespace {

// The server closes keep-alive connections idle for 60 s; reconnecting
// before that avoids sending a request into a socket that is being closed.
constexpr auto kMaxIdle = std::chrono::seconds(30);
constexpr std::size_t kReadChunk = 4096;
constexpr auto kNoDeadline = std::chrono::steady_clock::time_point::max();

// Errors that mean "the server had closed this kept-alive connection before
// reading our request": safe to retry once on a fresh connection.
bool IsStaleConnection(const boost::system::error_code& ec) {
  return ec == asio::error::connection_reset || ec == asio::error::broken_pipe || ec == asio::error::eof;
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

// Shared with the watchdog coroutine, which outlives the HttpConnection
// until it sees `stopped`. Touched only on the connection's executor.
struct HttpConnection::Impl : std::enable_shared_from_this<HttpConnection::Impl> {
  Impl(asio::any_io_executor executor, tcp::endpoint target, std::string host, std::chrono::milliseconds limit)
      : socket(executor), watchdog(executor), endpoint(target), host_header(std::move(host)), timeout(limit) {}

  asio::awaitable<HttpAnswer> Exchange(const std::string& request);
  asio::awaitable<HttpAnswer> Send(const std::string& request);
  // Reads until `received` holds `bytes`; false (and `answer.error` set) on failure.
  asio::awaitable<bool> ReadUntil(std::size_t bytes, HttpAnswer& answer, bool& got_some);
  void Arm();
  static asio::awaitable<void> Watch(std::shared_ptr<Impl> self);
  std::string Failure(std::string_view step, const boost::system::error_code& ec) const {
    return std::string(step) + ": " + (timed_out ? "timeout" : ec.message());
  }
  void Reset() {
    boost::system::error_code ignored;
    socket.close(ignored);
    connected = false;
    filled = 0;
  }

  tcp::socket socket;
  asio::steady_timer watchdog;
  const tcp::endpoint endpoint;
  const std::string host_header;
  const std::chrono::milliseconds timeout;
  std::string request;             // the bytes of the request being sent
  std::vector<char> received;      // answer bytes read, [0, filled)
  std::size_t filled = 0;
  std::chrono::steady_clock::time_point deadline = kNoDeadline;  // of the exchange in flight
  bool watching = false;
  bool timed_out = false;  // the watchdog closed the socket of the exchange in flight
  bool stopped = false;    // the HttpConnection is gone
  bool connected = false;
  bool stale = false;  // the last Exchange failed as on a connection the server had closed
  std::chrono::steady_clock::time_point last_used;
};

// Starts the deadline of one exchange (connect, write and read together).
void HttpConnection::Impl::Arm() {
  deadline = std::chrono::steady_clock::now() + timeout;
  timed_out = false;
  if (!watching) {
    watching = true;
    asio::co_spawn(socket.get_executor(), Watch(shared_from_this()), asio::detached);
  }
}

// Sleeps until the deadline of the exchange in flight (or a timeout's length
// when there is none) and closes the socket of one that has passed it.
asio::awaitable<void> HttpConnection::Impl::Watch(std::shared_ptr<Impl> self) {
  while (!self->stopped) {
    const auto now = std::chrono::steady_clock::now();
    if (self->deadline != kNoDeadline && now >= self->deadline) {
      self->timed_out = true;
      self->deadline = kNoDeadline;
      self->Reset();
    }
    self->watchdog.expires_at(self->deadline != kNoDeadline ? self->deadline : now + self->timeout);
    co_await self->watchdog.async_wait(as_tuple(use_awaitable));
  }
  self->watching = false;
}

asio::awaitable<bool> HttpConnection::Impl::ReadUntil(std::size_t bytes, HttpAnswer& answer, bool& got_some) {
  while (filled < bytes) {
    if (received.size() < filled + kReadChunk) received.resize(std::max(bytes, filled + kReadChunk));
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(received.data() + filled, received.size() - filled),
                                                   as_tuple(use_awaitable));
    if (ec) {
      stale = IsStaleConnection(ec) && !got_some && !timed_out;
      answer.error = Failure("read", ec);
      co_return false;
    }
    filled += n;
    got_some = true;
  }
  co_return true;
}

// One request on the current connection, connecting first when needed.
asio::awaitable<HttpAnswer> HttpConnection::Impl::Exchange(const std::string& bytes) {
  HttpAnswer answer;
  stale = false;
  Arm();
  if (!connected) {
    auto [ec] = co_await socket.async_connect(endpoint, as_tuple(use_awaitable));
    if (ec) {
      answer.error = Failure("connect", ec);
      co_return answer;
    }
    socket.set_option(tcp::no_delay(true), ec);
    filled = 0;
    connected = true;
  }
  auto [write_ec, written] = co_await asio::async_write(socket, asio::buffer(bytes), as_tuple(use_awaitable));
  if (write_ec) {
    stale = IsStaleConnection(write_ec) && !timed_out;
    answer.error = Failure("write", write_ec);
    co_return answer;
  }
  bool got_some = filled > 0;
  AnswerHeadParse parsed = ParseAnswerHead(std::string_view(received.data(), filled));
  while (std::holds_alternative<NeedMore>(parsed)) {
    if (!co_await ReadUntil(filled + 1, answer, got_some)) co_return answer;
    parsed = ParseAnswerHead(std::string_view(received.data(), filled));
  }
  if (const auto* bad = std::get_if<BadAnswer>(&parsed)) {
    answer.error = "read: " + bad->what;
    co_return answer;
  }
  const AnswerHead head = std::get<AnswerHead>(parsed);
  const std::size_t total = head.head_bytes + head.body_bytes;
  if (!co_await ReadUntil(total, answer, got_some)) co_return answer;
  answer.status = head.status;
  answer.body.assign(received.data() + head.head_bytes, head.body_bytes);
  // Bytes past this answer would belong to one never asked for.
  if (filled != total) {
    answer.status = 0;
    answer.error = "read: bytes after the answer";
    co_return answer;
  }
  filled = 0;
  if (!head.keep_alive) Reset();
  co_return answer;
}

asio::awaitable<HttpAnswer> HttpConnection::Impl::Send(const std::string& bytes) {
  const auto now = std::chrono::steady_clock::now();
  if (connected && now - last_used > kMaxIdle) Reset();
  const bool reused = connected;
  HttpAnswer answer = co_await Exchange(bytes);
  if (answer.status == 0) Reset();
  // A reused connection the server had just closed fails before any byte of
  // an answer; one retry on a fresh connection is what browsers and k6 do.
  if (answer.status == 0 && reused && stale) {
    answer = co_await Exchange(bytes);
    if (answer.status == 0) Reset();
  }
  deadline = kNoDeadline;
  last_used = std::chrono::steady_clock::now();
  co_return answer;
}

HttpConnection::HttpConnection(asio::any_io_executor executor, tcp::endpoint endpoint, std::string host_header,
                               std::chrono::milliseconds timeout)
    : impl_(std::make_shared<Impl>(std::move(executor), endpoint, std::move(host_header), timeout)) {}

HttpConnection::~HttpConnection() {
  impl_->stopped = true;
  impl_->watchdog.cancel();
  impl_->Reset();
}

asio::awaitable<HttpAnswer> HttpConnection::Get(std::string target) {
  impl_->request.clear();
  AppendGet(impl_->request, target, impl_->host_header);
  return impl_->Send(impl_->request);
}

asio::awaitable<HttpAnswer> HttpConnection::PostJson(std::string target, std::string body) {
  impl_->request.clear();
  AppendPostJson(impl_->request, target, impl_->host_header, body);
  return impl_->Send(impl_->request);
}

void HttpConnection::Close() { impl_->Reset(); }

}  // namespace flagmeter::load
