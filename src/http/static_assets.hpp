#pragma once

#include <span>
#include <string_view>

#include "http/api_handler.hpp"

namespace flagmeter {

/// A file of the dashboard, compiled into the binary from web/ by
/// cmake/EmbedWebAssets.cmake.
struct StaticAsset {
  std::string_view path;          // "/" for index.html, else "/assets/app.js" and the like
  std::string_view content_type;  // with charset for text
  std::string_view etag;          // quoted, from the content's SHA-256
  std::span<const unsigned char> body;
};

/// Every embedded file (generated at build time). Thread-safe.
std::span<const StaticAsset> EmbeddedWebAssets();

/// The asset served at `path` ("/index.html" is "/"); null when none.
const StaticAsset* FindStaticAsset(std::string_view path);

/// 200 with the asset, or 304 when `if_none_match` names its ETag. Browsers
/// revalidate on every load (no-cache), so a new binary's page is seen at
/// once; the Content-Security-Policy keeps the page to its own origin.
HttpResponse StaticAssetResponse(const StaticAsset& asset, std::string_view if_none_match);

}  // namespace flagmeter
