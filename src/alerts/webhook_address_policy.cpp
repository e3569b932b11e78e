#include "flagmeter/alerts/webhook_address_policy.hpp"

#include <array>
#include <cstdint>
#include <initializer_list>

namespace flagmeter {
namespace {

namespace ip = boost::asio::ip;

struct Block4 {
  std::uint32_t network;
  int prefix;
  const char* kind;
};

constexpr std::uint32_t V4(int a, int b, int c, int d) {
  return (static_cast<std::uint32_t>(a) << 24) | (static_cast<std::uint32_t>(b) << 16) |
         (static_cast<std::uint32_t>(c) << 8) | static_cast<std::uint32_t>(d);
}

// RFC 6890's special-purpose blocks, plus multicast and 240/4.
constexpr std::array<Block4, 17> kBlocks4 = {{
    {V4(0, 0, 0, 0), 8, "unspecified"},
    {V4(10, 0, 0, 0), 8, "private"},
    {V4(100, 64, 0, 0), 10, "private"},  // carrier-grade NAT
    {V4(127, 0, 0, 0), 8, "loopback"},
    {V4(169, 254, 0, 0), 16, "link-local"},
    {V4(172, 16, 0, 0), 12, "private"},
    {V4(192, 0, 0, 0), 24, "reserved"},
    {V4(192, 0, 2, 0), 24, "reserved"},
    {V4(192, 31, 196, 0), 24, "reserved"},
    {V4(192, 52, 193, 0), 24, "reserved"},
    {V4(192, 88, 99, 0), 24, "reserved"},
    {V4(192, 168, 0, 0), 16, "private"},
    {V4(198, 18, 0, 0), 15, "reserved"},
    {V4(198, 51, 100, 0), 24, "reserved"},
    {V4(203, 0, 113, 0), 24, "reserved"},
    {V4(224, 0, 0, 0), 4, "multicast"},
    {V4(240, 0, 0, 0), 4, "reserved"},  // includes 255.255.255.255
}};

std::optional<std::string> KindOf4(const ip::address_v4& address) {
  const std::uint32_t value = address.to_uint();
  for (const Block4& block : kBlocks4) {
    const std::uint32_t mask = block.prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - block.prefix);
    if ((value & mask) == block.network) return block.kind;
  }
  return std::nullopt;
}

ip::address_v4 V4At(const ip::address_v6::bytes_type& bytes, std::size_t offset) {
  return ip::address_v4(ip::address_v4::bytes_type{bytes[offset], bytes[offset + 1], bytes[offset + 2],
                                                   bytes[offset + 3]});
}

bool StartsWith(const ip::address_v6::bytes_type& bytes, std::initializer_list<unsigned> prefix) {
  std::size_t i = 0;
  for (unsigned byte : prefix) {
    if (bytes[i++] != byte) return false;
  }
  return true;
}

std::optional<std::string> KindOf6(const ip::address_v6& address) {
  const ip::address_v6::bytes_type bytes = address.to_bytes();
  if (address.is_unspecified()) return "unspecified";
  if (address.is_loopback()) return "loopback";
  if (address.is_v4_mapped()) return KindOf4(V4At(bytes, 12));
  if (bytes[0] == 0xff) return "multicast";
  if (bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80) return "link-local";  // fe80::/10
  if (bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0xc0) return "private";     // fec0::/10, old site-local
  if ((bytes[0] & 0xfe) == 0xfc) return "private";                         // fc00::/7
  if (StartsWith(bytes, {0x00, 0x64, 0xff, 0x9b})) return KindOf4(V4At(bytes, 12));  // 64:ff9b::/96 NAT64
  if (StartsWith(bytes, {0x20, 0x02})) return KindOf4(V4At(bytes, 2));                // 2002::/16 6to4
  if (StartsWith(bytes, {0x20, 0x01, 0x0d, 0xb8})) return "reserved";                 // documentation
  // ::/8 (v4-compatible and the rest), 100::/64 (discard), 2001::/23 (IETF).
  if (bytes[0] == 0x00) return "reserved";
  if (StartsWith(bytes, {0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00})) return "reserved";
  if (bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] < 0x02) return "reserved";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> NonPublicAddressKind(const ip::address& address) {
  return address.is_v4() ? KindOf4(address.to_v4()) : KindOf6(address.to_v6());
}

std::optional<std::string> NonPublicLiteralKind(std::string_view host) {
  boost::system::error_code ec;
  const ip::address address = ip::make_address(std::string(host), ec);
  if (ec) return std::nullopt;
  return NonPublicAddressKind(address);
}

Status CheckAddressesPublic(std::string_view host, const Addresses& addresses) {
  for (const ip::address& address : addresses) {
    if (std::optional<std::string> kind = NonPublicAddressKind(address)) {
      const std::string shown = address.to_string();
      const std::string what = (kind->front() == 'u' ? "an " : "a ") + *kind + " address";
      if (shown == host) return Status::InvalidArgument(shown + " is " + what);
      return Status::InvalidArgument(std::string(host) + " resolves to " + shown + ", " + what);
    }
  }
  return Status::Ok();
}

Status CheckWebhookDestination(const WebhookUrl& url, bool allow_private, std::chrono::milliseconds timeout,
                               const ResolveFunction& resolve) {
  if (allow_private) return Status::Ok();
  Result<Addresses> addresses = ResolveWithin(url.host, timeout, resolve);
  if (!addresses.ok()) return Status::Ok();
  return CheckAddressesPublic(url.host, *addresses);
}

}  // namespace flagmeter
