#include "http/tenant_creation.hpp"

#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "flagmeter/query/usage_service.hpp"
#include "flagmeter/tenants/admin_service.hpp"
#include "flagmeter/tenants/known_tenants.hpp"
#include "flagmeter/tenants/tenant_services.hpp"

namespace flagmeter {
namespace asio = boost::asio;
namespace {

// Long enough for an insert on a healthy database, short enough that an
// outage costs a new tenant's first request little.
constexpr auto kWaitForCreation = std::chrono::milliseconds(250);

}  // namespace

asio::awaitable<void> EnsureTenantsExist(const std::vector<Event>& events, const ApiServices& services) {
  if (services.tenants == nullptr) co_return;
  std::vector<std::string> names;
  names.reserve(events.size());
  for (const Event& event : events) names.push_back(event.tenant);
  std::vector<std::string> unknown = services.tenants->known.Unknown(names);
  if (unknown.empty()) co_return;

  // The timer lives on this connection's io thread; the admin thread only posts
  // to it, so the wait ends at creation or at the deadline, whichever first.
  auto executor = co_await asio::this_coro::executor;
  auto deadline = std::make_shared<asio::steady_timer>(executor, kWaitForCreation);
  KnownTenants& known = services.tenants->known;
  UsageService& usage = services.usage;
  services.tenants->admin.Post([deadline, executor, unknown, &known, &usage](TenantStore* store) {
    if (store != nullptr && store->EnsureTenants(unknown).ok()) {
      known.Add(unknown);
      for (const std::string& name : unknown) usage.ForgetMissing(name);
    }
    asio::post(executor, [deadline] { deadline->cancel(); });
  });
  co_await deadline->async_wait(asio::as_tuple(asio::use_awaitable));
}

}  // namespace flagmeter
