#pragma once

#include <vector>

#include <boost/asio/awaitable.hpp>

#include "flagmeter/core/event.hpp"
#include "flagmeter/http/server.hpp"

namespace flagmeter {

/// Makes sure the tenants of `events` exist in PostgreSQL before the events
/// are queued, so that a usage read right after a tenant's first 201 finds
/// it (API.md: "the tenant is created on its first event"). Runs on an
/// admin thread, once per tenant per process, and waits for it at most a
/// short while without blocking the io thread: when PostgreSQL is slow or
/// down, ingest goes on and the worker creates the tenant with its events.
boost::asio::awaitable<void> EnsureTenantsExist(const std::vector<Event>& events, const ApiServices& services);

}  // namespace flagmeter
