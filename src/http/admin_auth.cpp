#include "http/admin_auth.hpp"

#include <memory>

#include <boost/beast/http/field.hpp>

#include "flagmeter/services/api_key_checker.hpp"
#include "flagmeter/tenants/api_keys.hpp"
#include "flagmeter/tenants/crypto.hpp"
#include "http/await_callback.hpp"
#include "http/request_parts.hpp"

namespace flagmeter {
namespace http = boost::beast::http;
namespace {

HttpResponse Unauthorized(std::string_view message) {
  HttpResponse response = ErrorResponse(401, message);
  response.set(http::field::www_authenticate, "Bearer");
  return response;
}

bool IsAdminToken(std::string_view token, const ApiServices& services) {
  const std::string& admin_token = services.access.admin_token;
  return !admin_token.empty() && SecretsEqual(token, admin_token);
}

}  // namespace

std::optional<HttpResponse> CheckAdmin(const HttpRequest& request, const ApiServices& services) {
  if (services.access.admin_token.empty()) {
    return ErrorResponse(403, "The admin API is disabled: set ADMIN_TOKEN on the server to enable it");
  }
  const std::optional<std::string_view> token = BearerToken(HeaderValue(request, http::field::authorization));
  if (!token) return Unauthorized("Send the admin token as Authorization: Bearer <ADMIN_TOKEN>");
  if (!IsAdminToken(*token, services)) return Unauthorized("The admin token is not valid");
  return std::nullopt;
}

boost::asio::awaitable<std::variant<DataAccess, HttpResponse>> CheckApiKey(const HttpRequest& request,
                                                                            const ApiServices& services) {
  const std::optional<std::string_view> token = BearerToken(HeaderValue(request, http::field::authorization));
  if (!token) co_return Unauthorized("An API key is required: send Authorization: Bearer <key>");
  if (IsAdminToken(*token, services)) co_return DataAccess{};
  if (!LooksLikeApiKey(*token)) co_return Unauthorized("The API key is not valid");
  using Verdict = std::shared_ptr<const Result<KeyVerdict>>;
  const std::string key(*token);
  const Verdict verdict = co_await AwaitCallback<Verdict>([&services, &key](auto done) {
    services.keys.Check(key, [done = std::move(done)](const Result<KeyVerdict>& result) {
      done(std::make_shared<const Result<KeyVerdict>>(result));
    });
  });
  if (!verdict->ok()) {
    // The database is down, or API_KEY_LOOKUP_QUEUE requests wait already.
    HttpResponse busy = ErrorResponse(503, "API keys cannot be checked right now; retry shortly");
    busy.set(http::field::retry_after, "1");
    co_return busy;
  }
  switch (verdict->value().kind) {
    case KeyVerdict::Kind::kValid: co_return DataAccess{false, verdict->value().tenant};
    case KeyVerdict::Kind::kRevoked: co_return Unauthorized("The API key has been revoked");
    case KeyVerdict::Kind::kUnknown: break;
  }
  co_return Unauthorized("The API key is not valid");
}

HttpResponse OtherTenantResponse(const DataAccess& access, const std::string& tenant) {
  return ErrorResponse(403, "The API key of tenant '" + access.tenant + "' cannot access tenant '" + tenant + "'");
}

}  // namespace flagmeter
