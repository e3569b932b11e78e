#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "flagmeter/config/config.hpp"
#include "flagmeter/http/server.hpp"
#include "http/connection_registry.hpp"

namespace flagmeter {

/// Serves one connection until the peer closes it, an error, a timeout, or
/// shutdown: reads a request, answers it, and goes on while keep-alive
/// holds. Pipelined requests are answered in order. Runs on the socket's
/// io thread. `slot` is the connection's place in `registry`, taken at
/// accept time and given back when the session ends, however it ends.
boost::asio::awaitable<void> RunSession(boost::asio::ip::tcp::socket socket, ConnectionRegistry::Slot slot,
                                        const HttpConfig& config, const ApiServices& services,
                                        ConnectionRegistry& registry);

}  // namespace flagmeter
