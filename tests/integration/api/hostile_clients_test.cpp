// Clients that misbehave: stalled (slowloris), oversized, too many, garbage.
// None may hurt the service or the other clients.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "api_fixture.hpp"

namespace flagmeter::test {
namespace {

// `receive_buffer` > 0: SO_RCVBUF, set before connecting so the advertised window stays that small.
int Connect(int port, int receive_buffer = 0) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (receive_buffer > 0 && ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer)) != 0) {
    ::close(fd);
    return -1;
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// True when the server closed `fd` (or reset it) within `timeout_ms`.
bool ClosedByServer(int fd, int timeout_ms) {
  pollfd poll_fd{fd, POLLIN, 0};
  if (::poll(&poll_fd, 1, timeout_ms) <= 0) return false;
  char byte;
  // Readable means an answer (e.g. 408/431) or the close itself; either way
  // the server is done with this connection once it reads as closed.
  while (::recv(fd, &byte, 1, MSG_DONTWAIT) > 0) {
  }
  return ::poll(&poll_fd, 1, timeout_ms) > 0 && ::recv(fd, &byte, 1, MSG_DONTWAIT) <= 0;
}

// How many of `fds` the server closes within `timeout_ms` (polled together).
int CountClosedByServer(const std::vector<int>& fds, int timeout_ms) {
  std::vector<bool> closed(fds.size(), false);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  int count = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    std::vector<pollfd> waiting;
    std::vector<std::size_t> index;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (!closed[i]) {
        waiting.push_back({fds[i], POLLIN, 0});
        index.push_back(i);
      }
    }
    if (waiting.empty() || ::poll(waiting.data(), waiting.size(), 50) < 0) break;
    for (std::size_t w = 0; w < waiting.size(); ++w) {
      char byte;
      if ((waiting[w].revents & (POLLIN | POLLHUP | POLLERR)) != 0 && ::recv(waiting[w].fd, &byte, 1, MSG_DONTWAIT) <= 0) {
        closed[index[w]] = true;
        ++count;
      }
    }
  }
  return count;
}

class HostileClientsTest : public ApiTest {
 protected:
  std::map<std::string, std::string> ExtraEnv() const override {
    return {{"HTTP_REQUEST_TIMEOUT_MS", "1500"}, {"HTTP_IDLE_TIMEOUT_MS", "3000"}, {"MAX_CONNECTIONS", "400"}};
  }
};

TEST_F(HostileClientsTest, StalledClientsDoNotStopOthersAndAreCutOffAtTheRequestTimeout) {
  std::vector<int> stalled;
  for (int i = 0; i < 300; ++i) {
    const int fd = Connect(process_->port());
    ASSERT_GE(fd, 0);
    const std::string partial = "POST /api/events HTTP/1.1\r\nHost: x\r\nX-Slow: ";
    ASSERT_EQ(::send(fd, partial.data(), partial.size(), 0), static_cast<ssize_t>(partial.size()));
    stalled.push_back(fd);
  }
  // Everyone else is served while 300 requests hang half-sent.
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(client_->PostJson("/api/events", R"({"tenant":"calm","feature":"f","tokens":1})").status, 201);
  }
  EXPECT_EQ(WaitForTotal("calm", 20, std::chrono::milliseconds(3000)).Json()["totalTokens"], 20);
  // The server gives up on each stalled request (the timeout is 1.5 s).
  int closed = 0;
  for (int fd : stalled) {
    if (ClosedByServer(fd, 5000)) ++closed;
    ::close(fd);
  }
  EXPECT_EQ(closed, 300);
  EXPECT_EQ(client_->Get("/api/health").status, 200);
}

// Between requests a connection may wait HTTP_IDLE_TIMEOUT_MS (3 s here), not
// the request timeout (1.5 s), and is closed once that has passed: whether it
// never sent a byte or was served once and went quiet.
TEST_F(HostileClientsTest, QuietConnectionsAreClosedAtTheIdleTimeoutNotBefore) {
  const int never_sent = Connect(process_->port());
  const int served_once = Connect(process_->port());
  ASSERT_GE(never_sent, 0);
  ASSERT_GE(served_once, 0);
  const std::string request = "GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(::send(served_once, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  pollfd answered{served_once, POLLIN, 0};
  ASSERT_EQ(::poll(&answered, 1, 5000), 1);
  char answer[4096];
  ASSERT_GT(::recv(served_once, answer, sizeof(answer), 0), 0);
  EXPECT_EQ(std::string_view(answer, 12), "HTTP/1.1 200");

  EXPECT_EQ(CountClosedByServer({never_sent, served_once}, 2000), 0) << "closed before the idle timeout";
  EXPECT_EQ(CountClosedByServer({never_sent, served_once}, 4000), 2) << "kept open past the idle timeout";
  ::close(never_sent);
  ::close(served_once);
}

// A client that sends requests and never reads the answers: each answer
// must be written within the request timeout, so the server gives up on the
// connection instead of holding it (and its buffers) for ever. The client
// asks for 300 copies of the OpenAPI document (about 15 MB) through a 4 KiB
// receive buffer, stalls well past the timeout, then reads: it gets what the
// kernel had queued before the close (at most the server's 4 MiB send
// buffer) or a reset, then the end of the stream, not 300 answers.
TEST_F(HostileClientsTest, AClientThatNeverReadsIsCutOffAtTheRequestTimeout) {
  constexpr int kRequests = 300;
  const int fd = Connect(process_->port(), /*receive_buffer=*/4096);
  ASSERT_GE(fd, 0);
  std::string requests;
  for (int i = 0; i < kRequests; ++i) requests += "GET /api/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(::send(fd, requests.data(), requests.size(), 0), static_cast<ssize_t>(requests.size()));

  std::this_thread::sleep_for(std::chrono::milliseconds(4000));  // the timeout is 1.5 s
  // Everything the connection still delivers, until its end (or 20 s).
  std::string received;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  bool ended = false;
  while (!ended && std::chrono::steady_clock::now() < deadline) {
    pollfd readable{fd, POLLIN, 0};
    if (::poll(&readable, 1, 1000) <= 0) continue;
    char chunk[65536];
    const ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) ended = true;
    else received.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(fd);
  std::size_t answers = 0;
  for (std::size_t at = received.find("HTTP/1.1 200"); at != std::string::npos; at = received.find("HTTP/1.1 200", at + 1)) {
    ++answers;
  }
  EXPECT_TRUE(ended) << "the connection was still open 24 s after its answers stopped being read";
  EXPECT_LT(answers, static_cast<std::size_t>(kRequests)) << "every answer was written to a client that did not read";
  EXPECT_EQ(client_->Get("/api/health").status, 200);
}

TEST_F(HostileClientsTest, TooLargeHeadersAre431) {
  const std::string raw = "GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n";
  EXPECT_EQ(client_->SendRaw(raw).rfind("HTTP/1.1 431", 0), 0u);
  EXPECT_EQ(client_->Get("/api/health").status, 200);
}

TEST_F(HostileClientsTest, ConnectionsBeyondTheLimitAreClosedAndTheLimitRecovers) {
  std::vector<int> open;
  for (int i = 0; i < 420; ++i) {
    const int fd = Connect(process_->port());
    if (fd >= 0) open.push_back(fd);
  }
  int refused = 0;
  for (int fd : open) {
    if (ClosedByServer(fd, 50)) ++refused;
  }
  EXPECT_GE(refused, 15);  // 420 tried, 400 allowed (+1 for the test's own client)
  for (int fd : open) ::close(fd);
  HttpResult after;
  for (int i = 0; i < 100 && after.status != 200; ++i) {
    after = client_->Get("/api/health");
    if (after.status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(after.status, 200);
}

class ConnectionLimitTest : public ApiTest {
 protected:
  std::map<std::string, std::string> ExtraEnv() const override { return {{"MAX_CONNECTIONS", "50"}}; }
};

// Connections are counted when they are accepted: a burst of 200 leaves
// exactly MAX_CONNECTIONS open, not a few more.
TEST_F(ConnectionLimitTest, ABurstOfConnectionsLeavesExactlyTheLimitOpen) {
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // start-up's probe connection is gone
  std::vector<int> burst;
  for (int i = 0; i < 200; ++i) {
    const int fd = Connect(process_->port());
    ASSERT_GE(fd, 0);
    burst.push_back(fd);
  }
  const int closed = CountClosedByServer(burst, 1500);
  EXPECT_EQ(static_cast<int>(burst.size()) - closed, 50);
  for (int fd : burst) ::close(fd);
  HttpResult after;
  for (int i = 0; i < 100 && after.status != 200; ++i) {
    after = client_->Get("/api/health");
    if (after.status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(after.status, 200);
}

TEST_F(HostileClientsTest, RandomGarbageGetsA4xxOrACloseAndNeverACrash) {
  std::mt19937 random(12345);
  for (int i = 0; i < 200; ++i) {
    std::string junk(1 + random() % 600, '\0');
    for (char& c : junk) c = static_cast<char>(random() % 256);
    if (i % 3 == 0) junk = "POST /api/events HTTP/1.1\r\nContent-Length: " + std::to_string(random() % 50) + "\r\n\r\n" + junk;
    const std::string answer = client_->SendRaw(junk, 200);
    if (!answer.empty()) {
      const bool client_error = answer.rfind("HTTP/1.1 4", 0) == 0 || answer.rfind("HTTP/1.0 4", 0) == 0;
      EXPECT_TRUE(client_error) << answer.substr(0, 100);
    }
  }
  EXPECT_EQ(client_->Get("/api/health").status, 200);
  EXPECT_TRUE(process_->running());
}

}  // namespace
}  // namespace flagmeter::test
