// DESIGN: the acceptor and every connection are coroutines on the io
// threads (IoPool: one io_context per thread). Each accepted socket is bound
// to the next thread's context and stays there, so a connection's reads,
// writes and timers never run concurrently without a strand, and the
// connection coroutine (session.cpp) is the only code touching its socket. The server keeps a
// registry of live connections so that Shutdown can ask idle ones to close
// and wait, with a deadline, for busy ones to finish their request.
#include "flagmeter/http/server.hpp"

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "flagmeter/http/io_pool.hpp"
#include "http/session.hpp"

namespace flagmeter {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct Server::Impl {
  Impl(IoPool& pool, HttpConfig http_config, ApiServices api)
      : io_pool(pool), config(std::move(http_config)), services(api), acceptor(pool.first()) {}

  asio::awaitable<void> AcceptLoop();
  void Spawn(tcp::socket socket);

  IoPool& io_pool;
  const HttpConfig config;
  const ApiServices services;
  tcp::acceptor acceptor;  // used only on the first io thread
  ConnectionRegistry connections;
  std::atomic<std::uint64_t> rejected_connections{0};
};

Server::Server(IoPool& io_pool, HttpConfig config, ApiServices services)
    : impl_(std::make_unique<Impl>(io_pool, std::move(config), services)) {}

Server::~Server() = default;

Status Server::Listen() {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(impl_->config.bind_address, ec);
  if (ec) return Status::InvalidArgument("http: bad bind address '" + impl_->config.bind_address + "'");
  const tcp::endpoint endpoint(address, impl_->config.port);
  const std::string where = impl_->config.bind_address + ":" + std::to_string(impl_->config.port);
  if (impl_->acceptor.open(endpoint.protocol(), ec); ec) return Status::Unavailable("http: open " + where + ": " + ec.message());
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (impl_->acceptor.bind(endpoint, ec); ec) return Status::Unavailable("http: bind " + where + ": " + ec.message());
  if (impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) {
    return Status::Unavailable("http: listen on " + where + ": " + ec.message());
  }
  return Status::Ok();
}

std::uint16_t Server::port() const { return impl_->acceptor.local_endpoint().port(); }

void Server::Start() {
  asio::co_spawn(impl_->acceptor.get_executor(), impl_->AcceptLoop(), [](std::exception_ptr error) {
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      spdlog::critical("http: accept loop failed: {}", e.what());
    }
  });
}

asio::awaitable<void> Server::Impl::AcceptLoop() {
  while (acceptor.is_open()) {
    auto [ec, socket] = co_await acceptor.async_accept(io_pool.Next(), asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) break;
    if (ec) {
      // Out of file descriptors and the like: say so, breathe, go on.
      spdlog::warn("http: accept failed: {}", ec.message());
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    Spawn(std::move(socket));
  }
}

void Server::Impl::Spawn(tcp::socket socket) {
  // Counted here, on the accepting thread, not when the session starts on
  // its own thread: a burst of accepts cannot overshoot the limit.
  std::optional<ConnectionRegistry::Slot> slot = connections.TryAcquire(config.max_connections);
  if (!slot) {
    // Over the limit: closing at once costs the least and tells the client
    // to come back; logging each would let a flood fill the log.
    if (rejected_connections++ % 1000 == 0) {
      spdlog::warn("http: MAX_CONNECTIONS={} reached; closing new connections ({} so far)", config.max_connections,
                   rejected_connections.load());
    }
    boost::system::error_code ignored;
    socket.close(ignored);
    return;
  }
  socket.set_option(tcp::no_delay(true));
  auto executor = socket.get_executor();
  asio::co_spawn(executor, RunSession(std::move(socket), std::move(*slot), config, services, connections),
                 [](std::exception_ptr error) {
                   if (!error) return;
                   try {
                     std::rethrow_exception(error);
                   } catch (const std::exception& e) {
                     spdlog::warn("http: connection ended by an error: {}", e.what());
                   }
                 });
}

void Server::Shutdown(std::chrono::steady_clock::time_point deadline) {
  asio::post(impl_->acceptor.get_executor(), [impl = impl_.get()] {
    boost::system::error_code ignored;
    impl->acceptor.close(ignored);
  });
  impl_->connections.CloseAll();
  while (impl_->connections.Count() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (const std::size_t left = impl_->connections.Count(); left > 0) {
    spdlog::warn("http: {} connections still open at the shutdown deadline", left);
  }
}

}  // namespace flagmeter
