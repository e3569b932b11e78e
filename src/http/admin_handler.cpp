#include "http/admin_handler.hpp"

#include <utility>

#include <boost/beast/http/field.hpp>

#include "flagmeter/http/api_json.hpp"
#include "flagmeter/services/tenant_admin_service.hpp"
#include "flagmeter/tenants/api_keys.hpp"
#include "flagmeter/tenants/tenant_settings.hpp"
#include "http/admin_auth.hpp"
#include "http/admin_json.hpp"
#include "http/await_callback.hpp"
#include "http/request_parts.hpp"
#include "http/tenant_page_params.hpp"

namespace flagmeter {
namespace http = boost::beast::http;
namespace {

// The answers to an admin call that failed.
constexpr FailureWording kAdminFailure{.operation = "admin call",
                                       .unavailable = "The database is unavailable; retry shortly",
                                       .overloaded = "Too many admin calls are waiting (ADMIN_QUEUE); retry shortly"};

// Awaits `call(service, done)` of the tenant admin service. Not a coroutine,
// and `call` is a named local taken by reference: GCC 12 may destroy a
// temporary with a non-trivial destructor twice when it sits in a co_await
// expression.
template <typename T, typename Call>
boost::asio::awaitable<Reply<T>> AwaitAdmin(const ApiServices& services, const Call& call) {
  return AwaitCallback<Reply<T>>([&services, call](ReplyCallback<T> done) { call(services.tenants, std::move(done)); });
}

boost::asio::awaitable<HttpResponse> ListTenants(const RouteMatch& match, const ApiServices& services) {
  auto parsed = ParseTenantPage(match.query, services.limits.max_tenants_per_page);
  if (auto* errors = std::get_if<std::vector<FieldError>>(&parsed)) {
    co_return JsonResponse(400, ValidationErrorJson(*errors));
  }
  const auto list = [page = std::get<TenantPageRequest>(std::move(parsed))](TenantAdminService& admin, auto done) {
    admin.ListTenants(page, std::move(done));
  };
  const auto listed = co_await AwaitAdmin<TenantOverviewPage>(services, list);
  if (!listed->ok()) co_return FailureResponse(listed->status(), kAdminFailure);
  co_return JsonResponse(200, TenantListJson(listed->value()));
}

boost::asio::awaitable<HttpResponse> GetTenant(const std::string& tenant, const ApiServices& services) {
  const auto found = co_await AwaitAdmin<TenantDetails>(
      services, [&tenant](TenantAdminService& admin, auto done) { admin.GetTenant(tenant, std::move(done)); });
  if (!found->ok()) co_return FailureResponse(found->status(), kAdminFailure);
  co_return JsonResponse(200, TenantDetailsJson(found->value()));
}

boost::asio::awaitable<HttpResponse> PutTenant(const HttpRequest& request, const std::string& tenant,
                                               const ApiServices& services) {
  if (!IsJsonContentType(HeaderValue(request, http::field::content_type))) {
    co_return ErrorResponse(415, "Content-Type must be application/json");
  }
  auto parsed = ParseTenantUpdate(request.body());
  if (auto* errors = std::get_if<std::vector<FieldError>>(&parsed)) {
    co_return JsonResponse(400, ValidationErrorJson(*errors));
  }
  const auto put = [&tenant, update = std::get<TenantUpdate>(std::move(parsed))](TenantAdminService& admin,
                                                                                 auto done) {
    admin.PutTenant(tenant, update, std::move(done));
  };
  const auto written = co_await AwaitAdmin<TenantWrite>(services, put);
  if (!written->ok()) co_return FailureResponse(written->status(), kAdminFailure);
  if (const std::string& refused = written->value().webhook_url_refused; !refused.empty()) {
    co_return JsonResponse(400, ValidationErrorJson({{"webhookUrl", "webhookUrl " + refused}}));
  }
  co_return JsonResponse(written->value().created ? 201 : 200, TenantDetailsJson(written->value().details));
}

boost::asio::awaitable<HttpResponse> CreateKey(const std::string& tenant, const ApiServices& services) {
  const auto created = co_await AwaitAdmin<CreatedKey>(
      services, [&tenant](TenantAdminService& admin, auto done) { admin.CreateKey(tenant, std::move(done)); });
  if (!created->ok()) co_return FailureResponse(created->status(), kAdminFailure);
  co_return JsonResponse(201, CreatedKeyJson(tenant, created->value().key, created->value().info));
}

boost::asio::awaitable<HttpResponse> RevokeKey(const std::string& tenant, std::string_view raw_key_id,
                                               const ApiServices& services) {
  const std::string key_id(raw_key_id);
  if (!LooksLikeKeyId(key_id)) co_return ErrorResponse(404, "Tenant '" + tenant + "' has no key '" + key_id + "'");
  const auto revoked = co_await AwaitAdmin<ApiKeyEntry>(services, [&tenant, &key_id](TenantAdminService& admin,
                                                                                     auto done) {
    admin.RevokeKey(tenant, key_id, std::move(done));
  });
  if (!revoked->ok()) co_return FailureResponse(revoked->status(), kAdminFailure);
  co_return JsonResponse(200, RevokedKeyJson(tenant, key_id));
}

}  // namespace

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
