#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "flagmeter/core/status.hpp"

namespace flagmeter::load {

/// One answer as the client saw it.
struct HttpAnswer {
  int status = 0;      // 0: no answer; `error` says why
  std::string body;
  std::string error;   // "connect: Connection refused", "read: timeout", ...
};

/// Resolves host:port to the first address. Blocking; call before the run.
Result<boost::asio::ip::tcp::endpoint> ResolveEndpoint(const std::string& host, const std::string& port);

/// A keep-alive HTTP/1.1 client connection, connecting on first use and
/// reconnecting after the server closed it. One request at a time.
/// Use from one coroutine (one executor) only; not thread-safe.
class HttpConnection final {
 public:
  /// `host_header` is sent as Host; `timeout` bounds connect, write and read
  /// of each request.
  HttpConnection(boost::asio::any_io_executor executor, boost::asio::ip::tcp::endpoint endpoint,
                 std::string host_header, std::chrono::milliseconds timeout);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  /// GET `target`. Never throws for network errors: they come back as status 0.
  boost::asio::awaitable<HttpAnswer> Get(std::string target);
  /// POST `target` with a JSON body.
  boost::asio::awaitable<HttpAnswer> PostJson(std::string target, std::string body);
  /// Closes the socket (the next request reconnects).
  void Close();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;  // shared with the connection's watchdog
};

}  // namespace flagmeter::load
