// DeadlineSocket on a real loopback connection: the watchdog closes the
// socket once the deadline passes, and only then.
#include "http/deadline_socket.hpp"

#include <array>
#include <chrono>
#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

namespace flagmeter {
namespace {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// A connected pair on 127.0.0.1: `server` is wrapped, `client` is the peer.
struct Pair {
  explicit Pair(asio::io_context& io) : client(io) {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    client.connect(acceptor.local_endpoint());
    server = DeadlineSocket::Start(acceptor.accept());
  }
  tcp::socket client;
  std::shared_ptr<DeadlineSocket> server;
};

struct ReadOutcome {
  boost::system::error_code ec;
  std::size_t bytes = 0;
  bool timed_out = false;  // as the read completed
};

asio::awaitable<void> Read(DeadlineSocket& socket, std::optional<ReadOutcome>& out) {
  std::array<char, 16> data{};
  auto [ec, n] = co_await socket.socket().async_read_some(asio::buffer(data), asio::as_tuple(asio::use_awaitable));
  out = ReadOutcome{ec, n, socket.timed_out()};
}

asio::awaitable<void> Sleep(std::chrono::milliseconds duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor, duration);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

// A loopback pair and the outcome of a read on its wrapped side.
class DeadlineSocketTest : public ::testing::Test {
 protected:
  void StartRead() { asio::co_spawn(io_, Read(*pair_.server, read_), asio::detached); }

  asio::io_context io_{1};
  Pair pair_{io_};
  std::optional<ReadOutcome> read_;
};

TEST_F(DeadlineSocketTest, AReadPastTheDeadlineFailsAndTheSocketIsClosed) {
  pair_.server->ExpiresAfter(100ms);
  StartRead();
  io_.run_for(5s);
  ASSERT_TRUE(read_.has_value());
  EXPECT_TRUE(read_->ec) << "the read should have been cut off";
  EXPECT_TRUE(read_->timed_out);
  EXPECT_FALSE(pair_.server->socket().is_open());
}

TEST_F(DeadlineSocketTest, ADeadlineMovedLaterKeepsTheConnection) {
  pair_.server->ExpiresAfter(150ms);
  StartRead();
  asio::co_spawn(
      io_,
      [&]() -> asio::awaitable<void> {
        // Four times the first deadline, each move ahead of the last one.
        for (int i = 0; i < 6; ++i) {
          co_await Sleep(100ms);
          pair_.server->ExpiresAfter(150ms);
        }
        co_await asio::async_write(pair_.client, asio::buffer(std::string_view("hi")), asio::use_awaitable);
      },
      asio::detached);
  io_.run_for(5s);
  ASSERT_TRUE(read_.has_value());
  EXPECT_FALSE(read_->ec) << read_->ec.message();
  EXPECT_EQ(read_->bytes, 2u);
  EXPECT_FALSE(read_->timed_out);
}

TEST_F(DeadlineSocketTest, ADeadlineMovedEarlierWakesTheWatchdogSooner) {
  pair_.server->ExpiresAfter(std::chrono::hours(1));
  StartRead();
  pair_.server->ExpiresAfter(100ms);
  io_.run_for(5s);
  ASSERT_TRUE(read_.has_value()) << "the watchdog still slept toward the first deadline";
  EXPECT_TRUE(read_->timed_out);
}

TEST_F(DeadlineSocketTest, NoDeadlineNoCutOff) {
  pair_.server->ExpiresAfter(50ms);
  pair_.server->ExpiresNever();
  StartRead();
  io_.run_for(300ms);
  EXPECT_FALSE(read_.has_value());
  EXPECT_FALSE(pair_.server->timed_out());
  EXPECT_TRUE(pair_.server->socket().is_open());
  pair_.server->Stop();
}

TEST_F(DeadlineSocketTest, StopEndsTheWatchdog) {
  pair_.server->ExpiresAfter(std::chrono::hours(1));
  std::weak_ptr<DeadlineSocket> watched = pair_.server;
  pair_.server->Stop();
  pair_.server.reset();
  io_.run_for(5s);
  EXPECT_TRUE(io_.stopped()) << "the watchdog kept the io_context busy";
  EXPECT_TRUE(watched.expired()) << "the watchdog kept the socket";
}

}  // namespace
}  // namespace flagmeter
