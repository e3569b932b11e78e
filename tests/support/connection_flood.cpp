#include "support/connection_flood.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <sstream>
#include <vector>

namespace flagmeter::test {
namespace {

int ConnectNonBlocking(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

// The status of the first whole answer in `in` and its length; {0, 0} while incomplete.
std::pair<int, std::size_t> WholeAnswer(const std::string& in) {
  const std::size_t head_end = in.find("\r\n\r\n");
  if (head_end == std::string::npos) return {0, 0};
  std::string head = in.substr(0, head_end);
  std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return std::tolower(c); });
  std::size_t length = 0;
  if (const std::size_t at = head.find("\r\ncontent-length:"); at != std::string::npos) {
    length = std::stoul(head.substr(at + 17));
  }
  if (in.size() < head_end + 4 + length) return {0, 0};
  const int status = in.size() > 12 ? std::atoi(in.c_str() + 9) : -1;
  return {status, head_end + 4 + length};
}

struct Connection {
  int fd = -1;
  std::string out;
  std::size_t sent = 0;
  std::string in;
};

}  // namespace

ConnectionFlood::ConnectionFlood(int port, int connections, MakeRequest make_request)
    : port_(port), connections_(connections), make_request_(std::move(make_request)) {}

ConnectionFlood::~ConnectionFlood() { Stop(); }

void ConnectionFlood::Start() {
  running_ = true;
  thread_ = std::thread([this] { Run(); });
}

void ConnectionFlood::Stop() {
  running_ = false;
  if (thread_.joinable()) thread_.join();
}

std::map<int, std::int64_t> ConnectionFlood::Answers() const {
  std::lock_guard lock(mu_);
  return answers_;
}

std::string ConnectionFlood::Summary() const {
  std::int64_t total = 0;
  std::ostringstream parts;
  for (const auto& [status, count] : Answers()) {
    total += count;
    parts << (parts.tellp() > 0 ? ", " : "") << (status == 0 ? "closed" : std::to_string(status)) << ": " << count;
  }
  return std::to_string(total) + " answers (" + parts.str() + ")";
}

void ConnectionFlood::Run() {
  std::mt19937_64 random(std::random_device{}());
  std::vector<Connection> connections(static_cast<std::size_t>(connections_));
  auto count = [this](int status) {
    std::lock_guard lock(mu_);
    ++answers_[status];
  };
  auto open = [&](Connection& c) {
    if (c.fd >= 0) ::close(c.fd);
    c = Connection{ConnectNonBlocking(port_), make_request_(random), 0, ""};
  };
  for (Connection& c : connections) open(c);
  std::vector<pollfd> polled(connections.size());
  char buffer[16384];
  while (running_) {
    for (std::size_t i = 0; i < connections.size(); ++i) {
      if (connections[i].fd < 0) open(connections[i]);
      const Connection& c = connections[i];
      polled[i] = {c.fd, static_cast<short>(c.sent < c.out.size() ? POLLOUT : POLLIN), 0};
    }
    if (::poll(polled.data(), polled.size(), 50) <= 0) continue;
    for (std::size_t i = 0; i < connections.size(); ++i) {
      Connection& c = connections[i];
      if (polled[i].revents == 0 || c.fd < 0) continue;
      if (c.sent < c.out.size()) {
        const ssize_t n = ::send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
        if (n > 0) c.sent += static_cast<std::size_t>(n);
        if (n < 0 && errno != EAGAIN) {
          count(0);
          open(c);
        }
        continue;
      }
      const ssize_t n = ::recv(c.fd, buffer, sizeof buffer, 0);
      if (n <= 0) {
        if (n < 0 && errno == EAGAIN) continue;
        count(0);
        open(c);
        continue;
      }
      c.in.append(buffer, static_cast<std::size_t>(n));
      if (const auto [status, length] = WholeAnswer(c.in); length > 0) {
        count(status);
        c.in.erase(0, length);
        c.out = make_request_(random);
        c.sent = 0;
      }
    }
  }
  for (Connection& c : connections) {
    if (c.fd >= 0) ::close(c.fd);
  }
}

std::string RandomWellFormedKey(std::mt19937_64& random) {
  static constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string key = "fm_";
  for (int i = 0; i < 43; ++i) key += kBase64Url[random() % 64];
  return key;
}

}  // namespace flagmeter::test
