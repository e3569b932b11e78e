// Clients choose the request method and path. Neither may add series to
// /metrics or grow the process: flagmeter_http_requests_total's labels come
// only from fixed sets (docs/reliability.md, "Metric series and query sizes").
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include "api_fixture.hpp"
#include "process_memory.hpp"

namespace flagmeter::test {
namespace {

constexpr int kDistinctRequests = 10'000;
constexpr int kPipelineDepth = 100;
// The most series the fixed label sets may add after the warm-up: the
// statuses a request with an unknown method or path can get, under `other`.
constexpr int kMaxNewSeries = 4;
constexpr std::int64_t kMaxRssGrowthKb = 5 * 1024;

// Sends each of `requests` (whole HTTP/1.1 requests without a body) on one
// keep-alive connection, `kPipelineDepth` at a time, and returns how many
// answers came back.
int SendPipelined(int port, const std::vector<std::string>& requests) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return 0;
  }
  int answered = 0;
  std::string received;
  for (std::size_t first = 0; first < requests.size(); first += kPipelineDepth) {
    std::string batch;
    const std::size_t end = std::min(requests.size(), first + kPipelineDepth);
    for (std::size_t i = first; i < end; ++i) batch += requests[i];
    if (::send(fd, batch.data(), batch.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(batch.size())) break;
    // Every answer here has a Content-Length and a small body.
    for (std::size_t waiting = end - first; waiting > 0;) {
      const std::size_t head_end = received.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        std::size_t body = 0;
        const std::size_t length_at = received.find("Content-Length: ");
        if (length_at != std::string::npos && length_at < head_end) body = std::stoul(received.substr(length_at + 16));
        if (received.size() >= head_end + 4 + body) {
          received.erase(0, head_end + 4 + body);
          ++answered;
          --waiting;
          continue;
        }
      }
      char chunk[65536];
      const ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
      if (n <= 0) {
        ::close(fd);
        return answered;
      }
      received.append(chunk, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return answered;
}

// A method token no server knows, distinct per `i`, about 100 bytes long.
std::string DistinctMethod(int i) { return "M" + std::to_string(1'000'000 + i) + std::string(92, 'X'); }

std::string DistinctPath(int i) { return "/no/such/route/" + std::to_string(i) + "/" + std::string(80, 'p'); }

std::string Request(const std::string& method, const std::string& target) {
  return method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

// Unknown methods on an unknown path (404) and on a route (405), and GETs of
// unknown paths (404): `count` of each, numbered from `first`.
std::vector<std::string> HostileRequests(int first, int count) {
  std::vector<std::string> requests;
  for (int i = first; i < first + count; ++i) {
    requests.push_back(Request(DistinctMethod(i), i % 2 == 0 ? DistinctPath(i) : "/api/health"));
    requests.push_back(Request("GET", DistinctPath(i)));
  }
  return requests;
}

class MetricLabelsTest : public ApiTest {
 protected:
  int RequestSeries() {
    const HttpResult metrics = client_->Get("/metrics");
    EXPECT_EQ(metrics.status, 200);
    return CountSeries(metrics.body, "flagmeter_http_requests_total");
  }
};

TEST_F(MetricLabelsTest, DistinctMethodsAndPathsAddNoSeriesAndNoMemory) {
  // Warm-up: the fixed labels these requests map to exist afterwards, and the
  // allocator has seen this traffic once.
  std::vector<std::string> warm_up = HostileRequests(0, 500);
  ASSERT_EQ(SendPipelined(process_->port(), warm_up), static_cast<int>(warm_up.size()));
  const int series_before = RequestSeries();
  const std::int64_t rss_before_kb = ResidentKb(process_->pid());
  ASSERT_GT(rss_before_kb, 0);

  std::vector<std::string> hostile = HostileRequests(500, kDistinctRequests);
  ASSERT_EQ(SendPipelined(process_->port(), hostile), static_cast<int>(hostile.size()));
  const int series_after = RequestSeries();
  const std::int64_t rss_after_kb = ResidentKb(process_->pid());

  std::cout << "flagmeter_http_requests_total series: " << series_before << " -> " << series_after
            << "; VmRSS: " << rss_before_kb << " kB -> " << rss_after_kb << " kB after " << kDistinctRequests
            << " distinct methods and " << kDistinctRequests << " distinct unknown paths\n";
  EXPECT_LE(series_after - series_before, kMaxNewSeries);
  EXPECT_LT(rss_after_kb - rss_before_kb, kMaxRssGrowthKb);

  const HttpResult metrics = client_->Get("/metrics");
  EXPECT_NE(metrics.body.find("flagmeter_http_requests_total{method=\"other\",route=\"other\",status=\"404\"}"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("flagmeter_http_requests_total{method=\"other\",route=\"/api/health\",status=\"405\"}"),
            std::string::npos);
  EXPECT_EQ(metrics.body.find("XXXXXXXX"), std::string::npos) << "a client's method became a label value";
  EXPECT_EQ(metrics.body.find("/no/such/route"), std::string::npos) << "a raw path became a label value";
}

}  // namespace
}  // namespace flagmeter::test
