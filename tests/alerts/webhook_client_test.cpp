// PostWebhook's refusals and deadline, against a loopback listener that
// only counts connections (unit tier: no FlagMeter process, no database).
#include "flagmeter/alerts/webhook_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>

namespace flagmeter {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// A socket listening on 127.0.0.1 that never accepts; the kernel completes
// connections into its backlog, so a non-blocking accept shows whether
// anything connected.
class LoopbackListener {
 public:
  LoopbackListener() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    acceptor_.non_blocking(true);
  }
  std::string Port() const { return std::to_string(acceptor_.local_endpoint().port()); }
  int Connections() {
    int count = 0;
    while (true) {
      boost::system::error_code ec;
      tcp::socket socket(io_);
      acceptor_.accept(socket, ec);
      if (ec) return count;
      ++count;
    }
  }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
};

WebhookRequest RequestTo(const std::string& host, const std::string& port) {
  return WebhookRequest{WebhookUrl{false, host, port, "/hook"}, R"({"text":"t"})", {}};
}

TEST(WebhookClient, RefusesLoopbackByNameWithoutConnecting) {
  LoopbackListener listener;
  const Status sent = PostWebhook(RequestTo("localhost", listener.Port()),
                                  WebhookLimits{.timeout = std::chrono::milliseconds(2000)});
  ASSERT_EQ(sent.code(), Status::Code::kInvalidArgument) << sent.ToString();
  EXPECT_EQ(sent.message().rfind("refused: localhost resolves to ", 0), 0u) << sent.message();
  EXPECT_EQ(listener.Connections(), 0);
}

TEST(WebhookClient, ANameReboundToLoopbackAfterItWasSetIsRefusedWithoutConnecting) {
  LoopbackListener listener;
  const ResolveFunction rebound = [](const std::string&) -> Result<Addresses> {
    return Addresses{asio::ip::make_address("127.0.0.1")};
  };
  const Status sent = PostWebhook(RequestTo("hooks.example", listener.Port()),
                                  WebhookLimits{.timeout = std::chrono::milliseconds(2000), .resolve = rebound});
  ASSERT_EQ(sent.code(), Status::Code::kInvalidArgument) << sent.ToString();
  EXPECT_NE(sent.message().find("hooks.example resolves to 127.0.0.1, a loopback address"), std::string::npos)
      << sent.message();
  EXPECT_EQ(listener.Connections(), 0);
}

TEST(WebhookClient, AllowPrivateConnectsToLoopback) {
  LoopbackListener listener;
  // The listener never answers: the try times out, after connecting.
  const Status sent = PostWebhook(RequestTo("127.0.0.1", listener.Port()),
                                  WebhookLimits{.timeout = std::chrono::milliseconds(300), .allow_private = true});
  EXPECT_EQ(sent.code(), Status::Code::kUnavailable) << sent.ToString();
  EXPECT_EQ(listener.Connections(), 1);
}

TEST(WebhookClient, AHungLookUpCountsAgainstTheTryAndNothingIsSent) {
  LoopbackListener listener;
  struct Gate {
    std::mutex mu;
    std::condition_variable cv;
    bool open = false;
  };
  auto gate = std::make_shared<Gate>();
  const ResolveFunction hung = [gate](const std::string&) -> Result<Addresses> {
    std::unique_lock lock(gate->mu);
    gate->cv.wait(lock, [&] { return gate->open; });
    return Addresses{asio::ip::make_address("127.0.0.1")};
  };
  const Status sent =
      PostWebhook(RequestTo("slow.example", listener.Port()),
                  WebhookLimits{.timeout = std::chrono::milliseconds(100), .allow_private = true, .resolve = hung});
  EXPECT_EQ(sent.message(), "resolve slow.example: timed out after 100 ms");
  {
    std::lock_guard lock(gate->mu);
    gate->open = true;
  }
  gate->cv.notify_all();
  EXPECT_EQ(listener.Connections(), 0);
}

}  // namespace
}  // namespace flagmeter
