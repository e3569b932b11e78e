#include "http/static_assets.hpp"

#include <gtest/gtest.h>

namespace flagmeter {
namespace {

TEST(StaticAssets, PageAndScriptsAreEmbedded) {
  const StaticAsset* page = FindStaticAsset("/");
  ASSERT_NE(page, nullptr);
  EXPECT_EQ(FindStaticAsset("/index.html"), page);
  EXPECT_EQ(page->content_type, "text/html; charset=utf-8");
  const std::string_view html(reinterpret_cast<const char*>(page->body.data()), page->body.size());
  EXPECT_NE(html.find("/assets/app.js"), std::string_view::npos);
  for (const char* path : {"/assets/app.js", "/assets/app.css", "/assets/chart.js", "/assets/favicon.svg"}) {
    const StaticAsset* asset = FindStaticAsset(path);
    ASSERT_NE(asset, nullptr) << path;
    EXPECT_FALSE(asset->body.empty()) << path;
    EXPECT_EQ(asset->etag.size(), 18u) << path;  // 16 hex digits, quoted
  }
  EXPECT_EQ(FindStaticAsset("/assets/none.js"), nullptr);
  EXPECT_EQ(FindStaticAsset("/assets"), nullptr);
}

TEST(StaticAssets, ResponsesRevalidateByEtag) {
  const StaticAsset& script = *FindStaticAsset("/assets/app.js");
  const HttpResponse full = StaticAssetResponse(script, "");
  EXPECT_EQ(full.result_int(), 200);
  EXPECT_EQ(full[boost::beast::http::field::content_type], "text/javascript; charset=utf-8");
  EXPECT_EQ(full[boost::beast::http::field::cache_control], "no-cache");
  EXPECT_EQ(full.body().size(), script.body.size());
  const std::string etag(script.etag);
  EXPECT_EQ(StaticAssetResponse(script, etag).result_int(), 304);
  EXPECT_EQ(StaticAssetResponse(script, "\"other\", W/" + etag).result_int(), 304);
  EXPECT_EQ(StaticAssetResponse(script, "\"other\"").result_int(), 200);
  EXPECT_TRUE(StaticAssetResponse(script, etag).body().empty());
}

TEST(StaticAssets, PageCarriesContentSecurityPolicy) {
  const HttpResponse page = StaticAssetResponse(*FindStaticAsset("/"), "");
  EXPECT_NE(page["Content-Security-Policy"].find("default-src 'self'"), std::string::npos);
}

}  // namespace
}  // namespace flagmeter
