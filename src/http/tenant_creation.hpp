#pragma once

#include <optional>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "flagmeter/core/event.hpp"
#include "flagmeter/http/server.hpp"
#include "http/api_handler.hpp"

namespace flagmeter {

/// Makes sure the tenants of `events` exist in PostgreSQL before the events
/// are queued, so that a usage read right after a tenant's first 201 finds
/// it (API.md: "the tenant is created on its first event"). Tenants this
/// process knows cost nothing; the others go to the TenantCreator (its own
/// thread and bounded queue, never the admin threads), and the coroutine
/// waits for its answer a bounded while without blocking the io thread.
/// Returns the answer that refuses the whole request, or none to go on:
///  - 422 when a tenant does not exist and AUTO_CREATE_TENANTS is off, or
///    MAX_TENANTS tenants exist already;
///  - 503 with Retry-After when the creator cannot answer in time (its queue
///    is full, PostgreSQL is down or slow).
boost::asio::awaitable<std::optional<HttpResponse>> AdmitEventTenants(const std::vector<Event>& events,
                                                                      const ApiServices& services);

}  // namespace flagmeter
