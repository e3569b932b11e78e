#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <chrono>

#include <boost/asio/ip/address.hpp>

#include "flagmeter/alerts/bounded_resolver.hpp"
#include "flagmeter/core/status.hpp"
#include "flagmeter/tenants/tenant_settings.hpp"

namespace flagmeter {

/// Why `address` is no place to send a tenant's webhook, or nullopt when it
/// is a public unicast address. The kinds: "unspecified", "loopback",
/// "link-local" (169.254.0.0/16, fe80::/10: cloud metadata services live
/// there), "private" (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7),
/// "multicast", "reserved" (documentation, benchmarking, broadcast, 240/4,
/// the other special-purpose blocks). IPv4-mapped IPv6 addresses (::ffff:a.b.c.d)
/// and NAT64/6to4 addresses are judged by the IPv4 address they carry.
/// Thread-safe (pure).
std::optional<std::string> NonPublicAddressKind(const boost::asio::ip::address& address);

/// The same for a URL's host when it is an IP literal ("10.0.0.1", "::1",
/// without brackets); nullopt for a public literal and for a name.
/// Thread-safe (pure).
std::optional<std::string> NonPublicLiteralKind(std::string_view host);

/// Ok when every address is public; otherwise InvalidArgument
/// "<host> resolves to <address>, a <kind> address" for the first that is
/// not. Thread-safe (pure).
Status CheckAddressesPublic(std::string_view host, const Addresses& addresses);

/// The check of a webhook URL when a tenant sets it: refused
/// (InvalidArgument, as above) when its host is a non-public IP literal or
/// resolves, within `timeout`, to a non-public address. A name that does not
/// resolve in time is accepted: delivery checks the addresses again anyway,
/// right before connecting. Ok at once when `allow_private`.
/// Blocking (up to `timeout`); thread-safe.
Status CheckWebhookDestination(const WebhookUrl& url, bool allow_private, std::chrono::milliseconds timeout,
                               const ResolveFunction& resolve = SystemResolve);

}  // namespace flagmeter
