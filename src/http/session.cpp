#include "http/session.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <tuple>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <spdlog/spdlog.h>

#include "flagmeter/metrics/metrics.hpp"
#include "http/api_handler.hpp"
#include "http/deadline_socket.hpp"
#include "http/request_parts.hpp"
#include "http/response_writer.hpp"

namespace flagmeter {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::as_tuple;
using asio::use_awaitable;

namespace {

constexpr std::size_t kReadChunkBytes = 4096;
// A connection writes every answer from one buffer, which keeps its
// capacity between answers; one grown past this (a dashboard or metrics
// answer) is given back after its write, so an idle connection holds no
// more for answers than its read buffer's chunk.
constexpr std::size_t kKeptAnswerBufferBytes = kReadChunkBytes;

// State shared with the registry's closer; touched only on the connection's io thread.
struct SessionState {
  bool idle = false;  // waiting for the first byte of the next request
};

// Maps a failed read to the answer a client still deserves, or none when the
// connection is gone (closed, reset, timed out).
std::optional<HttpResponse> ReadFailureResponse(const boost::system::error_code& ec) {
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) return std::nullopt;
  if (ec == http::error::body_limit) return ErrorResponse(413, "Request body is larger than MAX_BODY_BYTES");
  if (ec == http::error::header_limit) return ErrorResponse(431, "Request headers are too large");
  if (ec.category() == boost::system::error_code(http::error::bad_version).category()) {
    return ErrorResponse(400, "Malformed HTTP request: " + ec.message());
  }
  return std::nullopt;
}

asio::awaitable<boost::system::error_code> WriteResponse(DeadlineSocket& stream, const HttpResponse& response,
                                                         bool head_only, std::chrono::milliseconds timeout,
                                                         std::string& buffer) {
  buffer.clear();
  AppendResponse(response, head_only, buffer);
  // Most answers fit the socket's send buffer whole: written at once (the
  // socket does not block, see RunSession), they need no async write, whose
  // completion would be one more pass through the io thread's queue. The
  // rest of a longer one waits for the client within the deadline.
  boost::system::error_code ec;
  std::size_t written = stream.socket().write_some(asio::buffer(buffer), ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) {
    ec = {};
    written = 0;
  }
  if (!ec && written < buffer.size()) {
    stream.ExpiresAfter(timeout);
    std::tie(ec, std::ignore) = co_await asio::async_write(
        stream.socket(), asio::buffer(buffer.data() + written, buffer.size() - written), as_tuple(use_awaitable));
  }
  if (buffer.capacity() > kKeptAnswerBufferBytes) std::string().swap(buffer);
  co_return ec;
}

// Parses what `buffer` holds into `parser`, as Beast's reads would, consuming
// what it used. Most requests arrive whole in one read: parsed here, they need
// no composed read, whose completion without I/O is one more pass through
// the io thread's queue (one for the header, one for the body). Leaves `ec`
// clear when the parser only needs more bytes than the buffer holds.
void ParseBuffered(http::request_parser<http::string_body>& parser, beast::flat_buffer& buffer,
                   boost::system::error_code& ec) {
  // The parser is not eager: a call stops after the header, the next one reads the body.
  while (buffer.size() > 0 && !parser.is_done()) {
    const std::size_t used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec == http::error::need_more) {
      ec = {};
      return;
    }
    if (ec || used == 0) return;
  }
}

}  // namespace

asio::awaitable<void> RunSession(asio::ip::tcp::socket socket, ConnectionRegistry::Slot slot, const HttpConfig& config,
                                 const ApiServices& services, ConnectionRegistry& registry) {
  // Never blocking the io thread: WriteResponse's first write is synchronous.
  boost::system::error_code non_blocking_ec;
  socket.non_blocking(true, non_blocking_ec);
  if (non_blocking_ec) {
    spdlog::warn("http: could not make a connection's socket non-blocking: {}", non_blocking_ec.message());
    co_return;
  }
  auto stream = DeadlineSocket::Start(std::move(socket));
  // However the session ends (an exception included), its watchdog ends too.
  struct StopWatchdog {
    DeadlineSocket& socket;
    ~StopWatchdog() { socket.Stop(); }
  } stop_watchdog{*stream};
  auto state = std::make_shared<SessionState>();
  slot.SetCloser([executor = stream->socket().get_executor(), weak = std::weak_ptr(stream), state] {
    asio::post(executor, [weak, state] {
      boost::system::error_code ignored;
      if (auto live = weak.lock(); live && state->idle) live->socket().cancel(ignored);
    });
  });
  const std::chrono::milliseconds idle_timeout(config.idle_timeout_ms);
  const std::chrono::milliseconds request_timeout(config.request_timeout_ms);
  beast::flat_buffer buffer;
  std::string answer;  // the bytes of each answer in turn (WriteResponse)
  while (!registry.closing()) {
    // Between requests a connection may idle for idle_timeout; once a request
    // has begun, all of it must arrive within request_timeout, however slowly
    // the client trickles bytes (slowloris).
    if (buffer.size() == 0) {
      state->idle = true;
      if (registry.closing()) break;
      stream->ExpiresAfter(idle_timeout);
      auto [idle_ec, n] =
          co_await stream->socket().async_read_some(buffer.prepare(kReadChunkBytes), as_tuple(use_awaitable));
      state->idle = false;
      if (idle_ec) break;  // closed by the peer, idle too long, or shutdown
      buffer.commit(n);
    }
    stream->ExpiresAfter(request_timeout);
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(config.max_header_bytes));
    parser.body_limit(config.max_body_bytes);
    boost::system::error_code ec;
    ParseBuffered(parser, buffer, ec);
    if (!ec && !parser.is_header_done()) {
      std::tie(ec, std::ignore) =
          co_await http::async_read_header(stream->socket(), buffer, parser, as_tuple(use_awaitable));
    }
    if (!ec && !parser.is_done() && HeaderValue(parser.get(), http::field::expect) == "100-continue") {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      co_await asio::async_write(stream->socket(), asio::buffer(kContinue), as_tuple(use_awaitable));
    }
    if (!ec && !parser.is_done()) {
      std::tie(ec, std::ignore) = co_await http::async_read(stream->socket(), buffer, parser, as_tuple(use_awaitable));
    }
    if (ec) {
      if (auto response = ReadFailureResponse(ec)) {
        response->keep_alive(false);
        co_await WriteResponse(*stream, *response, false, request_timeout, answer);
      }
      break;
    }
    stream->ExpiresNever();  // the handler's waits have bounds of their own
    const auto started = std::chrono::steady_clock::now();
    HttpRequest request = parser.release();
    HandledRequest handled = co_await HandleRequest(request, services);
    // HTTP/1.0 is answered and closed, keep-alive or not (API.md).
    const bool keep_alive = request.version() >= 11 && request.keep_alive() && !registry.closing();
    handled.response.version(request.version() >= 11 ? 11 : 10);
    handled.response.keep_alive(keep_alive);
    const bool head_only = request.method() == http::verb::head;
    const auto write_ec = co_await WriteResponse(*stream, handled.response, head_only, request_timeout, answer);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    services.metrics.ObserveRequest(request.method_string(), handled.route, handled.response.result_int(), seconds);
    if (write_ec || !keep_alive) break;
  }
  boost::system::error_code ignored;
  stream->socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

}  // namespace flagmeter
