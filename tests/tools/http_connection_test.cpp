// The load generator's client against a real loopback listener that answers
// (or does not) the way each test needs.
#include "load/http_connection.hpp"

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

namespace flagmeter::load {
namespace {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Accepts connections on 127.0.0.1 one at a time on its own thread and hands
// each to `serve`, which reads requests and writes answers with blocking calls.
class Listener {
 public:
  using Serve = std::function<void(tcp::socket&)>;
  explicit Listener(Serve serve) : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this, serve = std::move(serve)] {
      for (;;) {
        tcp::socket socket(io_);
        boost::system::error_code ec;
        acceptor_.accept(socket, ec);
        if (ec || stopping_) return;
        ++accepted_;
        serve(socket);
      }
    });
  }
  ~Listener() {
    stopping_ = true;
    // Wakes the accept with a connection of our own.
    tcp::socket poke(io_);
    boost::system::error_code ec;
    poke.connect(endpoint(), ec);
    thread_.join();
  }
  tcp::endpoint endpoint() const { return acceptor_.local_endpoint(); }
  int accepted() const { return accepted_; }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

// Reads one request head (the tests send GETs) and returns it; empty at EOF.
std::string ReadRequest(tcp::socket& socket, asio::streambuf& in) {
  boost::system::error_code ec;
  const std::size_t n = asio::read_until(socket, in, "\r\n\r\n", ec);
  if (ec) return {};
  std::string head(asio::buffers_begin(in.data()), asio::buffers_begin(in.data()) + static_cast<std::ptrdiff_t>(n));
  in.consume(n);
  return head;
}

void Write(tcp::socket& socket, std::string_view bytes) {
  boost::system::error_code ec;
  asio::write(socket, asio::buffer(bytes), ec);
}

// Sends the GETs in order on one HttpConnection and returns the answers.
std::vector<HttpAnswer> GetAll(const tcp::endpoint& endpoint, std::vector<std::string> targets,
                               std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  asio::io_context io(1);
  std::vector<HttpAnswer> answers;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        HttpConnection connection(co_await asio::this_coro::executor, endpoint, "test", timeout);
        for (const std::string& target : targets) answers.push_back(co_await connection.Get(target));
      },
      [](std::exception_ptr error) {
        if (error) std::rethrow_exception(error);
      });
  io.run();  // returns once the connection and its watchdog are done
  return answers;
}

TEST(HttpConnection, ReadsAnswersSplitAcrossWritesOnOneKeptAliveConnection) {
  std::vector<std::string> requests;
  Listener listener([&](tcp::socket& socket) {
    asio::streambuf in;
    for (std::string head = ReadRequest(socket, in); !head.empty(); head = ReadRequest(socket, in)) {
      requests.push_back(head);
      Write(socket, "HTTP/1.1 200 OK\r\nContent-Le");
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      Write(socket, "ngth: 11\r\n\r\nhello");
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      Write(socket, " world");
    }
  });
  const std::vector<HttpAnswer> answers = GetAll(listener.endpoint(), {"/a", "/b"});
  ASSERT_EQ(answers.size(), 2u);
  for (const HttpAnswer& answer : answers) {
    EXPECT_EQ(answer.status, 200) << answer.error;
    EXPECT_EQ(answer.body, "hello world");
  }
  EXPECT_EQ(listener.accepted(), 1);
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1], "GET /b HTTP/1.1\r\nHost: test\r\nUser-Agent: flagmeter-load\r\n\r\n");
}

TEST(HttpConnection, AnAnswerThatNeverComesIsATimeout) {
  Listener listener([](tcp::socket& socket) {
    asio::streambuf in;
    ReadRequest(socket, in);
    ReadRequest(socket, in);  // holds the connection open, silent, until the client gives up
  });
  const std::vector<HttpAnswer> answers = GetAll(listener.endpoint(), {"/slow"}, std::chrono::milliseconds(200));
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].status, 0);
  EXPECT_EQ(answers[0].error, "read: timeout");
}

TEST(HttpConnection, AConnectionTheServerClosedIsRetriedOnceOnAFreshOne) {
  // Answers one request per connection, then closes without saying so: the
  // client's next request meets a closed connection and must retry.
  Listener listener([](tcp::socket& socket) {
    asio::streambuf in;
    if (!ReadRequest(socket, in).empty()) Write(socket, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    socket.close();
  });
  const std::vector<HttpAnswer> answers = GetAll(listener.endpoint(), {"/1", "/2", "/3"});
  ASSERT_EQ(answers.size(), 3u);
  for (const HttpAnswer& answer : answers) {
    EXPECT_EQ(answer.status, 200) << answer.error;
    EXPECT_EQ(answer.body, "ok");
  }
  EXPECT_EQ(listener.accepted(), 3);
}

TEST(HttpConnection, ConnectionCloseMeansTheNextRequestConnectsAgain) {
  Listener listener([](tcp::socket& socket) {
    asio::streambuf in;
    if (!ReadRequest(socket, in).empty()) {
      Write(socket, "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 4\r\n\r\nbusy");
    }
    ReadRequest(socket, in);  // a client that ignored the close would hang here
  });
  const std::vector<HttpAnswer> answers = GetAll(listener.endpoint(), {"/1", "/2"});
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0].status, 503);
  EXPECT_EQ(answers[1].status, 503);
  EXPECT_EQ(listener.accepted(), 2);
}

TEST(HttpConnection, AnUnreadableAnswerIsAFailureWithItsReason) {
  Listener listener([](tcp::socket& socket) {
    asio::streambuf in;
    if (!ReadRequest(socket, in).empty()) Write(socket, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    ReadRequest(socket, in);
  });
  const std::vector<HttpAnswer> answers = GetAll(listener.endpoint(), {"/chunked"});
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].status, 0);
  EXPECT_EQ(answers[0].error, "read: chunked answers are not supported");
}

}  // namespace
}  // namespace flagmeter::load
