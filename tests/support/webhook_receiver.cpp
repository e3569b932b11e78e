#include "support/webhook_receiver.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace flagmeter::test {
namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

struct WebhookReceiver::Impl {
  explicit Impl(Options o) : options(o), acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {}

  struct Connection {
    explicit Connection(tcp::socket s) : socket(std::move(s)) {}
    tcp::socket socket;
    boost::beast::flat_buffer buffer;
    http::request<http::string_body> request;
    http::response<http::string_body> response;
  };

  void Accept() {
    acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec) return;
      connections.fetch_add(1);
      Read(std::make_shared<Connection>(std::move(socket)));
      Accept();
    });
  }

  void Read(std::shared_ptr<Connection> connection) {
    connection->request = {};
    http::async_read(connection->socket, connection->buffer, connection->request,
                     [this, connection](boost::system::error_code ec, std::size_t) {
                       if (ec) return;
                       Record(connection->request);
                       if (options.never_answer) {
                         held.push_back(connection);  // keeps the socket open, unanswered
                         return;
                       }
                       Answer(connection);
                     });
  }

  void Record(const http::request<http::string_body>& request) {
    ReceivedWebhook received{std::string(request.method_string()), std::string(request.target()), request.body(), {}};
    for (const auto& field : request) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      received.headers[name] = std::string(field.value());
    }
    std::lock_guard lock(mu);
    requests.push_back(std::move(received));
    arrived.notify_all();
  }

  void Answer(std::shared_ptr<Connection> connection) {
    bool fail = false;
    {
      std::lock_guard lock(mu);
      fail = static_cast<int>(requests.size()) <= options.fail_first;
    }
    connection->response = http::response<http::string_body>(fail ? http::status::internal_server_error
                                                                  : http::status::ok, 11);
    connection->response.body() = fail ? "failing on purpose" : "ok";
    connection->response.keep_alive(connection->request.keep_alive());
    connection->response.prepare_payload();
    http::async_write(connection->socket, connection->response,
                      [this, connection](boost::system::error_code ec, std::size_t) {
                        if (!ec && connection->response.keep_alive()) Read(connection);
                      });
  }

  const Options options;
  asio::io_context io;
  tcp::acceptor acceptor;
  std::vector<std::shared_ptr<Connection>> held;  // io thread only
  std::thread thread;

  mutable std::mutex mu;
  mutable std::condition_variable arrived;
  std::vector<ReceivedWebhook> requests;  // guarded by mu
  std::atomic<int> connections{0};
};

WebhookReceiver::WebhookReceiver(Options options) : impl_(std::make_unique<Impl>(options)) {
  impl_->Accept();
  impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

WebhookReceiver::~WebhookReceiver() { Stop(); }

void WebhookReceiver::Stop() {
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

int WebhookReceiver::port() const { return impl_->acceptor.local_endpoint().port(); }

std::string WebhookReceiver::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port()) + path;
}

std::vector<ReceivedWebhook> WebhookReceiver::Received() const {
  std::lock_guard lock(impl_->mu);
  return impl_->requests;
}

int WebhookReceiver::Connections() const { return impl_->connections.load(); }

std::vector<ReceivedWebhook> WebhookReceiver::WaitFor(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mu);
  impl_->arrived.wait_for(lock, timeout, [&] { return impl_->requests.size() >= count; });
  return impl_->requests;
}

}  // namespace flagmeter::test
