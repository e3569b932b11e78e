#include "http/tenant_creation.hpp"

#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <spdlog/spdlog.h>

#include "flagmeter/query/usage_service.hpp"
#include "flagmeter/tenants/known_tenants.hpp"
#include "flagmeter/tenants/tenant_creator.hpp"
#include "flagmeter/tenants/tenant_services.hpp"

namespace flagmeter {
namespace asio = boost::asio;
namespace {

// Long enough for one creation transaction on a healthy database, also
// behind a queue full of other new names; short enough that an outage
// costs a new tenant's first request little (it is answered 503 and retried).
constexpr auto kWaitForAdmission = std::chrono::milliseconds(2000);

// Where the creator's answer meets the waiting coroutine: written and read
// on the coroutine's executor only.
struct Pending {
  explicit Pending(const asio::any_io_executor& executor) : deadline(executor, kWaitForAdmission) {}
  asio::steady_timer deadline;
  std::optional<Result<TenantCreator::Admissions>> answer;
};

HttpResponse NotCreatedResponse(const std::string& tenant, TenantAdmission admission, std::int64_t max_tenants) {
  if (admission == TenantAdmission::kNotFound) {
    return ErrorResponse(422, "Tenant '" + tenant + "' does not exist and tenants are not created by events " +
                                  "(AUTO_CREATE_TENANTS is off): create it first with PUT /api/tenants/<name>");
  }
  return ErrorResponse(422, "Tenant '" + tenant + "' does not exist and no more tenants are created by events: " +
                                "the limit of " + std::to_string(max_tenants) +
                                " tenants (MAX_TENANTS) is reached; an operator can still create it with PUT " +
                                "/api/tenants/<name>");
}

// The answers to an admission that failed or took too long.
constexpr FailureWording kAdmissionFailure{.operation = "tenant admission",
                                           .unavailable = "New tenants cannot be created right now; retry shortly"};

}  // namespace

asio::awaitable<std::optional<HttpResponse>> AdmitEventTenants(const std::vector<Event>& events,
                                                               const ApiServices& services) {
  if (services.tenants == nullptr) co_return std::nullopt;
  std::vector<std::string> names;
  names.reserve(events.size());
  for (const Event& event : events) names.push_back(event.tenant);
  std::vector<std::string> unknown = services.tenants->known.Unknown(names);
  if (unknown.empty()) co_return std::nullopt;

  // The timer lives on this connection's executor; the creator thread only
  // posts to it, so the wait ends at the answer or at the deadline.
  auto executor = co_await asio::this_coro::executor;
  auto pending = std::make_shared<Pending>(executor);
  KnownTenants& known = services.tenants->known;
  UsageService& usage = services.usage;
  services.tenants->creator.Admit(
      std::move(unknown), [pending, executor, &known, &usage](const Result<TenantCreator::Admissions>& answer) {
        if (answer.ok()) {
          std::vector<std::string> existing;
          for (const auto& [name, admission] : *answer) {
            if (admission == TenantAdmission::kExists) existing.push_back(name);
          }
          known.Add(existing);
          for (const std::string& name : existing) usage.ForgetMissing(name);
        }
        asio::post(executor, [pending, answer] {
          pending->answer = answer;
          pending->deadline.cancel();
        });
      });
  co_await pending->deadline.async_wait(asio::as_tuple(asio::use_awaitable));
  if (!pending->answer) {
    spdlog::warn("http: new tenants not admitted within {} ms", kWaitForAdmission.count());
    co_return FailureResponse(Status::Unavailable("tenants: no answer in time"), kAdmissionFailure);
  }
  if (!pending->answer->ok()) co_return FailureResponse(pending->answer->status(), kAdmissionFailure);
  for (const auto& [name, admission] : pending->answer->value()) {
    if (admission != TenantAdmission::kExists) {
      co_return NotCreatedResponse(name, admission, services.tenants->creator.limits().max_tenants);
    }
  }
  co_return std::nullopt;
}

}  // namespace flagmeter
