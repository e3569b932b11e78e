#include "support/http_client.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>

#include <poll.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "support/answer_log.hpp"

namespace flagmeter::test {
namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

nlohmann::json HttpResult::Json() const { return nlohmann::json::parse(body, nullptr, false); }

std::string HttpResult::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

struct HttpClient::Impl {
  Impl(int p, Peer answerer) : port(p), peer(answerer), socket(io) {}

  bool EnsureConnected() {
    if (socket.is_open()) return true;
    boost::system::error_code ec;
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)), ec);
    if (ec) socket.close();
    buffer.clear();
    return !ec;
  }

  HttpResult Exchange(http::request<http::string_body>& request) {
    HttpResult result;
    boost::system::error_code ec;
    http::write(socket, request, ec);
    if (ec) return result;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    parser.skip(request.method() == http::verb::head);  // a HEAD answer has no body
    http::read(socket, buffer, parser, ec);
    if (ec) return result;
    const auto& response = parser.get();
    result.status = response.result_int();
    result.body = response.body();
    for (const auto& field : response) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      result.headers[name] = std::string(field.value());
    }
    if (!response.keep_alive()) socket.close();
    return result;
  }

  int port;
  Peer peer;
  asio::io_context io;
  tcp::socket socket;
  boost::beast::flat_buffer buffer;
};

HttpClient::HttpClient(int port, Peer peer) : impl_(std::make_unique<Impl>(port, peer)) {}
HttpClient::~HttpClient() = default;

HttpResult HttpClient::Request(const std::string& method, const std::string& target, const std::string& body,
                               const std::map<std::string, std::string>& headers) {
  http::request<http::string_body> request(http::string_to_verb(method), target, 11);
  request.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;
  if (!body.empty() || method == "POST" || method == "PUT") request.prepare_payload();
  // A kept-alive connection may have been closed by the server meanwhile:
  // one retry on a fresh connection.
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!impl_->EnsureConnected()) return HttpResult{};
    HttpResult result = impl_->Exchange(request);
    if (result.status != 0) {
      if (impl_->peer == Peer::kFlagMeter) RecordAnswer(method, target, result);
      return result;
    }
    impl_->socket.close();
  }
  return HttpResult{};
}

HttpResult HttpClient::PostJson(const std::string& target, const std::string& body) {
  return Request("POST", target, body, {{"Content-Type", "application/json"}});
}

std::string HttpClient::SendRaw(const std::string& raw, int timeout_ms) {
  return SendRawInParts({raw}, 0, timeout_ms).front();
}

std::vector<std::string> HttpClient::SendRawInParts(const std::vector<std::string>& parts, int pause_ms,
                                                    int timeout_ms) {
  std::vector<std::string> received(parts.size());
  asio::io_context io;
  tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(impl_->port)), ec);
  if (ec) return received;
  bool closed = false;
  // Appends what arrives until `deadline` or the server closes.
  const auto read_until = [&](std::chrono::steady_clock::time_point deadline, std::string& into) {
    socket.non_blocking(true);
    char chunk[4096];
    while (!closed && std::chrono::steady_clock::now() < deadline) {
      const std::size_t n = socket.read_some(asio::buffer(chunk), ec);
      if (ec == asio::error::would_block) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        pollfd fd{socket.native_handle(), POLLIN, 0};
        ::poll(&fd, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
        continue;
      }
      if (ec) closed = true;
      else into.append(chunk, n);
    }
    socket.non_blocking(false);
  };
  std::string sent;
  for (std::size_t i = 0; i < parts.size() && !closed; ++i) {
    asio::write(socket, asio::buffer(parts[i]), ec);
    sent += parts[i];
    const bool last = i + 1 == parts.size();
    read_until(std::chrono::steady_clock::now() + std::chrono::milliseconds(last ? timeout_ms : pause_ms),
               received[i]);
  }
  std::string all;
  for (const std::string& answer : received) all += answer;
  if (impl_->peer == Peer::kFlagMeter) RecordRawExchange(sent, all);
  return received;
}

}  // namespace flagmeter::test
