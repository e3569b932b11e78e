#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "flagmeter/core/status.hpp"

namespace flagmeter {

/// Most name look-ups still running after their caller gave up on them
/// (getaddrinfo cannot be cancelled). Past it, ResolveWithin fails at once
/// instead of starting one more thread.
inline constexpr int kMaxAbandonedResolutions = 32;

using Addresses = std::vector<boost::asio::ip::address>;
/// Resolves a host name to its addresses. Blocking.
using ResolveFunction = std::function<Result<Addresses>(const std::string& host)>;

/// getaddrinfo(host), TCP, both address families. Unavailable naming the
/// host and the resolver's message on failure. Blocking; thread-safe.
Result<Addresses> SystemResolve(const std::string& host);

/// The addresses of `host` within `timeout`. An IP literal is returned as
/// is, with no look-up. Otherwise `resolve(host)` runs on a thread of its
/// own and the caller waits at most `timeout`: past it, Unavailable
/// "resolve <host>: timed out after N ms" (the look-up finishes on its own
/// and its answer is dropped). Unavailable at once while
/// kMaxAbandonedResolutions abandoned look-ups are still running.
/// Blocking (up to `timeout`); thread-safe.
Result<Addresses> ResolveWithin(const std::string& host, std::chrono::milliseconds timeout,
                                const ResolveFunction& resolve = SystemResolve);

/// Abandoned look-ups still running (for tests and logs). Thread-safe.
int AbandonedResolutions();

}  // namespace flagmeter
