#include "http/static_assets.hpp"

#include <boost/beast/http/field.hpp>

namespace flagmeter {
namespace http = boost::beast::http;
namespace {

// Everything from this origin: no CDN, no inline script, no framing.
constexpr char kContentSecurityPolicy[] =
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

// If-None-Match holds one or more quoted tags separated by commas, or "*".
bool MatchesEtag(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match.empty()) return false;
  if (if_none_match == "*") return true;
  std::size_t at = 0;
  while ((at = if_none_match.find(etag, at)) != std::string_view::npos) {
    const bool starts = at == 0 || if_none_match[at - 1] == ' ' || if_none_match[at - 1] == ',' ||
                        if_none_match[at - 1] == '/';  // W/"..."
    const std::size_t end = at + etag.size();
    const bool ends = end == if_none_match.size() || if_none_match[end] == ',' || if_none_match[end] == ' ';
    if (starts && ends) return true;
    at = end;
  }
  return false;
}

}  // namespace

const StaticAsset* FindStaticAsset(std::string_view path) {
  if (path == "/index.html") path = "/";
  for (const StaticAsset& asset : EmbeddedWebAssets()) {
    if (asset.path == path) return &asset;
  }
  return nullptr;
}

HttpResponse StaticAssetResponse(const StaticAsset& asset, std::string_view if_none_match) {
  const bool unchanged = MatchesEtag(if_none_match, asset.etag);
  HttpResponse response(unchanged ? http::status::not_modified : http::status::ok, 11);
  response.set(http::field::etag, asset.etag);
  response.set(http::field::cache_control, "no-cache");
  response.set("X-Content-Type-Options", "nosniff");
  if (asset.content_type.starts_with("text/html")) {
    response.set("Content-Security-Policy", kContentSecurityPolicy);
    response.set("Referrer-Policy", "no-referrer");
  }
  if (!unchanged) {
    response.set(http::field::content_type, asset.content_type);
    response.body().assign(reinterpret_cast<const char*>(asset.body.data()), asset.body.size());
  }
  return response;
}

}  // namespace flagmeter
