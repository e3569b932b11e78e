#include "flagmeter/alerts/bounded_resolver.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <thread>

#include "flagmeter/core/mutex.hpp"
#include "flagmeter/core/thread_name.hpp"

namespace flagmeter {
namespace {

namespace ip = boost::asio::ip;

// Look-ups whose caller stopped waiting. A look-up counts itself while it
// runs; its caller only waits, so the count is what a hung resolver costs.
std::atomic<int> abandoned_lookups{0};

// What a look-up thread and its caller share: whichever leaves last frees it.
struct Lookup {
  Mutex mu;
  CondVar done_cv;
  std::optional<Result<Addresses>> answer FM_GUARDED_BY(mu);
  bool abandoned FM_GUARDED_BY(mu) = false;
};

}  // namespace

Result<Addresses> SystemResolve(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found); rc != 0) {
    return Status::Unavailable("resolve " + host + ": " + gai_strerror(rc));
  }
  Addresses addresses;
  for (const addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
    if (entry->ai_family == AF_INET) {
      const auto* v4 = reinterpret_cast<const sockaddr_in*>(entry->ai_addr);
      addresses.emplace_back(ip::address_v4(ntohl(v4->sin_addr.s_addr)));
    } else if (entry->ai_family == AF_INET6) {
      const auto* v6 = reinterpret_cast<const sockaddr_in6*>(entry->ai_addr);
      ip::address_v6::bytes_type bytes;
      std::copy(std::begin(v6->sin6_addr.s6_addr), std::end(v6->sin6_addr.s6_addr), bytes.begin());
      addresses.emplace_back(ip::address_v6(bytes, v6->sin6_scope_id));
    }
  }
  freeaddrinfo(found);
  if (addresses.empty()) return Status::Unavailable("resolve " + host + ": no IPv4 or IPv6 address");
  return addresses;
}

Result<Addresses> ResolveWithin(const std::string& host, std::chrono::milliseconds timeout,
                                const ResolveFunction& resolve) {
  boost::system::error_code ec;
  const ip::address literal = ip::make_address(host, ec);
  if (!ec) return Addresses{literal};
  if (abandoned_lookups.load() >= kMaxAbandonedResolutions) {
    return Status::Unavailable("resolve " + host + ": " + std::to_string(kMaxAbandonedResolutions) +
                               " earlier look-ups still hang; not starting another");
  }
  auto lookup = std::make_shared<Lookup>();
  // Detached: a look-up that outlives its caller must not hold the caller
  // (a sender thread, an admin thread, shutdown) until getaddrinfo gives up.
  std::thread([lookup, host, resolve] {
    SetThreadName("fm-resolve");
    Result<Addresses> answer = resolve(host);
    MutexLock lock(lookup->mu);
    if (lookup->abandoned) abandoned_lookups.fetch_sub(1);
    lookup->answer = std::move(answer);
    lookup->done_cv.NotifyAll();
  }).detach();
  MutexLock lock(lookup->mu);
  if (!lookup->done_cv.WaitFor(lookup->mu, timeout,
                               [&]() FM_REQUIRES(lookup->mu) { return lookup->answer.has_value(); })) {
    lookup->abandoned = true;
    abandoned_lookups.fetch_add(1);
    return Status::Unavailable("resolve " + host + ": timed out after " + std::to_string(timeout.count()) + " ms");
  }
  return std::move(*lookup->answer);
}

int AbandonedResolutions() { return abandoned_lookups.load(); }

}  // namespace flagmeter
