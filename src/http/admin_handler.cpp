#include "http/admin_handler.hpp"

#include <memory>
#include <utility>

#include <boost/beast/http/field.hpp>
#include <spdlog/spdlog.h>

#include "flagmeter/core/clock.hpp"
#include "flagmeter/http/api_json.hpp"
#include "flagmeter/ingest/name_rules.hpp"
#include "flagmeter/core/work_pool.hpp"
#include "flagmeter/tenants/api_keys.hpp"
#include "flagmeter/tenants/key_registry.hpp"
#include "flagmeter/tenants/tenant_services.hpp"
#include "flagmeter/tenants/tenant_settings.hpp"
#include "http/admin_auth.hpp"
#include "http/admin_json.hpp"
#include "http/await_callback.hpp"
#include "http/tenant_page_params.hpp"

namespace flagmeter {
namespace http = boost::beast::http;
namespace {

// Runs `work(store)` on an admin thread (RunOnPool).
template <typename T, typename Work>
boost::asio::awaitable<std::shared_ptr<const Result<T>>> RunOnAdminThread(const ApiServices& services,
                                                                         const Work& work) {
  return RunOnPool<T>(services.tenants->admin, work);
}

// The answers to an admin call that failed.
constexpr FailureWording kAdminFailure{.operation = "admin call",
                                       .unavailable = "The database is unavailable; retry shortly",
                                       .overloaded = "Too many admin calls are waiting (ADMIN_QUEUE); retry shortly"};

boost::asio::awaitable<HttpResponse> ListTenants(const RouteMatch& match, const ApiServices& services) {
  auto parsed = ParseTenantPage(match.query, services.max_tenants_per_page);
  if (auto* errors = std::get_if<std::vector<FieldError>>(&parsed)) {
    co_return JsonResponse(400, ValidationErrorJson(*errors));
  }
  const auto work = [page = std::get<TenantPageRequest>(std::move(parsed)), now = NowMs()](TenantStore& store) {
    return store.ListTenants(now, page);
  };
  const auto listed = co_await RunOnAdminThread<TenantOverviewPage>(services, work);
  if (!listed->ok()) co_return FailureResponse(listed->status(), kAdminFailure);
  co_return JsonResponse(200, TenantListJson(listed->value()));
}

boost::asio::awaitable<HttpResponse> GetTenant(const std::string& tenant, const ApiServices& services) {
  const auto work = [tenant, now = NowMs()](TenantStore& store) { return store.GetTenant(tenant, now); };
  const auto found = co_await RunOnAdminThread<TenantDetails>(services, work);
  if (!found->ok()) co_return FailureResponse(found->status(), kAdminFailure);
  co_return JsonResponse(200, TenantDetailsJson(found->value()));
}

boost::asio::awaitable<HttpResponse> PutTenant(const HttpRequest& request, const std::string& tenant,
                                               const ApiServices& services) {
  if (!IsJsonContentType(request[http::field::content_type])) {
    co_return ErrorResponse(415, "Content-Type must be application/json");
  }
  auto parsed = ParseTenantUpdate(request.body());
  if (auto* errors = std::get_if<std::vector<FieldError>>(&parsed)) {
    co_return JsonResponse(400, ValidationErrorJson(*errors));
  }
  struct Written {
    TenantDetails details;
    bool created = false;
    std::string refused_url;  // why the webhook URL was refused; nothing was written
  };
  const auto work = [tenant, update = std::get<TenantUpdate>(std::move(parsed)), now = NowMs(),
                     check_url = services.tenants->check_webhook_url](TenantStore& store) {
    if (update.webhook_url && check_url) {
      if (Status allowed = check_url(*update.webhook_url); !allowed.ok()) {
        return Result<Written>(Written{TenantDetails{}, false, allowed.message()});
      }
    }
    bool created = false;
    Result<TenantDetails> details = store.PutTenant(tenant, update, now, created);
    if (!details.ok()) return Result<Written>(details.status());
    return Result<Written>(Written{std::move(details).value(), created, ""});
  };
  const auto written = co_await RunOnAdminThread<Written>(services, work);
  if (!written->ok()) co_return FailureResponse(written->status(), kAdminFailure);
  if (!written->value().refused_url.empty()) {
    co_return JsonResponse(400, ValidationErrorJson({{"webhookUrl", "webhookUrl " + written->value().refused_url}}));
  }
  if (services.tenants->settings_changed) services.tenants->settings_changed(tenant);
  co_return JsonResponse(written->value().created ? 201 : 200, TenantDetailsJson(written->value().details));
}

boost::asio::awaitable<HttpResponse> CreateKey(const std::string& tenant, const ApiServices& services) {
  Result<NewApiKey> key = GenerateApiKey();
  if (!key.ok()) co_return FailureResponse(key.status(), kAdminFailure);
  const auto work = [tenant, made = *key](TenantStore& store) {
    return store.CreateKey(tenant, made.key_id, made.key_hash, made.hint);
  };
  const auto stored = co_await RunOnAdminThread<ApiKeyInfo>(services, work);
  if (!stored->ok()) co_return FailureResponse(stored->status(), kAdminFailure);
  // This instance accepts the key at once; others look it up on first use.
  services.tenants->keys.Learn(ApiKeyEntry{key->key_hash, tenant, false, stored->value().version});
  co_return JsonResponse(201, CreatedKeyJson(tenant, *key, stored->value()));
}

boost::asio::awaitable<HttpResponse> RevokeKey(const std::string& tenant, std::string_view raw_key_id,
                                               const ApiServices& services) {
  const std::string key_id(raw_key_id);
  if (!LooksLikeKeyId(key_id)) co_return ErrorResponse(404, "Tenant '" + tenant + "' has no key '" + key_id + "'");
  const auto work = [tenant, key_id](TenantStore& store) { return store.RevokeKey(tenant, key_id); };
  const auto revoked = co_await RunOnAdminThread<ApiKeyEntry>(services, work);
  if (!revoked->ok()) co_return FailureResponse(revoked->status(), kAdminFailure);
  // Refused here at once; other instances within API_KEY_REFRESH_MS.
  services.tenants->keys.Learn(revoked->value());
  co_return JsonResponse(200, RevokedKeyJson(tenant, key_id));
}

}  // namespace

std::optional<std::string> TenantFromPath(std::string_view raw, HttpResponse& problem) {
  std::string tenant;
  if (!PercentDecode(raw, tenant)) {
    problem = JsonResponse(400, ValidationErrorJson({{"tenant", "tenant has a malformed percent-escape"}}));
    return std::nullopt;
  }
  if (auto name_problem = NameProblem(tenant)) {
    problem = JsonResponse(400, ValidationErrorJson({{"tenant", "tenant " + *name_problem}}));
    return std::nullopt;
  }
  return tenant;
}

boost::asio::awaitable<HttpResponse> HandleAdmin(const HttpRequest& request, const RouteMatch& match,
                                                 const ApiServices& services) {
  if (std::optional<HttpResponse> denied = CheckAdmin(request, services)) co_return std::move(*denied);
  if (match.route == Route::kTenants) co_return co_await ListTenants(match, services);
  HttpResponse problem;  // set by TenantFromPath when the name is bad
  const std::optional<std::string> tenant = TenantFromPath(match.tenant, problem);
  if (!tenant) co_return problem;
  switch (match.route) {
    case Route::kTenant:
      if (request.method() == http::verb::put) co_return co_await PutTenant(request, *tenant, services);
      co_return co_await GetTenant(*tenant, services);
    case Route::kTenantKeys: co_return co_await CreateKey(*tenant, services);
    case Route::kTenantKey: co_return co_await RevokeKey(*tenant, match.key_id, services);
    default: break;
  }
  co_return ErrorResponse(404, "No route");
}

}  // namespace flagmeter
