#include "flagmeter/alerts/webhook_address_policy.hpp"

#include <gtest/gtest.h>

#include <atomic>

namespace flagmeter {
namespace {

namespace ip = boost::asio::ip;

std::string KindOf(const std::string& text) { return NonPublicAddressKind(ip::make_address(text)).value_or("public"); }

TEST(WebhookAddressPolicy, NamesEveryNonPublicKind) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"0.0.0.0", "unspecified"},        {"::", "unspecified"},
      {"127.0.0.1", "loopback"},         {"127.255.0.9", "loopback"},
      {"::1", "loopback"},               {"169.254.169.254", "link-local"},
      {"fe80::1", "link-local"},         {"febf::1", "link-local"},
      {"10.0.0.1", "private"},           {"172.16.0.1", "private"},
      {"172.31.255.255", "private"},     {"192.168.1.1", "private"},
      {"100.64.0.1", "private"},         {"fc00::1", "private"},
      {"fd12:3456::1", "private"},       {"224.0.0.1", "multicast"},
      {"ff02::1", "multicast"},          {"255.255.255.255", "reserved"},
      {"192.0.2.1", "reserved"},         {"2001:db8::1", "reserved"},
      {"::ffff:127.0.0.1", "loopback"},  {"::ffff:169.254.169.254", "link-local"},
      {"64:ff9b::a00:1", "private"},     {"2002:a00:1::", "private"},
  };
  for (const auto& [address, kind] : cases) EXPECT_EQ(KindOf(address), kind) << address;
}

TEST(WebhookAddressPolicy, PublicAddressesPass) {
  for (const char* address : {"93.184.216.34", "8.8.8.8", "172.32.0.1", "172.15.255.255", "192.169.0.1",
                              "169.255.0.1", "2606:4700::1111", "::ffff:8.8.8.8", "2002:808:808::"}) {
    EXPECT_EQ(KindOf(address), "public") << address;
  }
}

TEST(WebhookAddressPolicy, LiteralsAreJudgedNamesAreNot) {
  EXPECT_EQ(NonPublicLiteralKind("10.0.0.1").value_or("public"), "private");
  EXPECT_EQ(NonPublicLiteralKind("::1").value_or("public"), "loopback");
  EXPECT_FALSE(NonPublicLiteralKind("hooks.example.com").has_value());
  EXPECT_FALSE(NonPublicLiteralKind("8.8.8.8").has_value());
}

ResolveFunction ResolvesTo(std::vector<std::string> texts, std::atomic<int>* calls = nullptr) {
  return [texts, calls](const std::string&) -> Result<Addresses> {
    if (calls != nullptr) calls->fetch_add(1);
    Addresses addresses;
    for (const std::string& text : texts) addresses.push_back(ip::make_address(text));
    return addresses;
  };
}

WebhookUrl Url(const std::string& host) { return WebhookUrl{false, host, "80", "/"}; }

TEST(WebhookDestination, RefusesANameThatResolvesToAPrivateAddress) {
  constexpr auto kTimeout = std::chrono::milliseconds(2000);
  const Status refused = CheckWebhookDestination(Url("rebound.example"), false, kTimeout,
                                                 ResolvesTo({"93.184.216.34", "10.1.2.3"}));
  ASSERT_EQ(refused.code(), Status::Code::kInvalidArgument) << refused.ToString();
  EXPECT_EQ(refused.message(), "rebound.example resolves to 10.1.2.3, a private address");
  EXPECT_TRUE(CheckWebhookDestination(Url("hooks.example"), false, kTimeout, ResolvesTo({"93.184.216.34"})).ok());
  const Status literal = CheckWebhookDestination(Url("169.254.169.254"), false, kTimeout, ResolvesTo({}));
  EXPECT_EQ(literal.message(), "169.254.169.254 is a link-local address");
}

TEST(WebhookDestination, ANameThatDoesNotResolveIsLeftToTheDeliveryCheck) {
  const ResolveFunction fails = [](const std::string& host) -> Result<Addresses> {
    return Status::Unavailable("resolve " + host + ": Name or service not known");
  };
  EXPECT_TRUE(CheckWebhookDestination(Url("nowhere.invalid"), false, std::chrono::milliseconds(2000), fails).ok());
}

TEST(WebhookDestination, AllowPrivateSkipsTheCheckAndTheLookUp) {
  std::atomic<int> calls{0};
  EXPECT_TRUE(
      CheckWebhookDestination(Url("localhost"), true, std::chrono::milliseconds(2000), ResolvesTo({"127.0.0.1"}, &calls))
          .ok());
  EXPECT_TRUE(CheckWebhookDestination(Url("10.0.0.1"), true, std::chrono::milliseconds(2000), ResolvesTo({})).ok());
  EXPECT_EQ(calls.load(), 0);
}

}  // namespace
}  // namespace flagmeter
