#include "http/openapi_document.hpp"

#include <cctype>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "flagmeter/http/router.hpp"

namespace flagmeter {
namespace {

using nlohmann::json;

// "/api/usage/:tenant" as the document writes it: "/api/usage/{tenant}".
std::string DocumentPath(std::string_view pattern) {
  return std::regex_replace(std::string(pattern), std::regex(":(\\w+)"), "{$1}");
}

// A target the router should match to the document's `path`.
std::string SampleTarget(const std::string& path) {
  return std::regex_replace(path, std::regex("\\{\\w+\\}"), "x1");
}

std::set<std::string> SplitAllow(std::string_view allow) {
  std::set<std::string> methods;
  std::istringstream in{std::string(allow)};
  for (std::string method; std::getline(in >> std::ws, method, ',');) methods.insert(method);
  return methods;
}

class OpenApiDocumentTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(document_.is_discarded()) << "the embedded document is not JSON"; }

  // The path item of `path`, a `$ref` to components/pathItems followed.
  const json& PathItem(const std::string& path) const {
    const json& item = document_["paths"][path];
    if (!item.contains("$ref")) return item;
    const std::string ref = item["$ref"];
    return document_["components"]["pathItems"][ref.substr(ref.rfind('/') + 1)];
  }

  // The methods a path of the document has; HEAD goes with GET, as in the router.
  std::set<std::string> Methods(const std::string& path) const {
    std::set<std::string> methods;
    for (const char* method : {"get", "put", "post", "delete", "patch", "options", "head"}) {
      if (!PathItem(path).contains(method)) continue;
      std::string upper(method);
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      methods.insert(upper);
    }
    if (methods.contains("GET")) methods.insert("HEAD");
    return methods;
  }

  const json document_ = json::parse(OpenApiJson(), nullptr, false);
};

TEST_F(OpenApiDocumentTest, IsOpenApi31) {
  EXPECT_EQ(document_["openapi"], "3.1.0");
  EXPECT_TRUE(document_["paths"].is_object());
}

TEST_F(OpenApiDocumentTest, HasEveryRouteOfTheRouterWithItsMethods) {
  for (const RouteInfo& route : KnownRoutes()) {
    const std::string path = DocumentPath(route.pattern);
    ASSERT_TRUE(document_["paths"].contains(path))
        << "the router's " << route.pattern << " is not in docs/openapi.yaml";
    EXPECT_EQ(Methods(path), SplitAllow(route.allow)) << path;
  }
}

TEST_F(OpenApiDocumentTest, HasNoPathTheRouterLacks) {
  for (const auto& [path, item] : document_["paths"].items()) {
    const RouteMatch match = MatchRoute("GET", SampleTarget(path));
    ASSERT_NE(match.route, Route::kNone)
        << "docs/openapi.yaml has " << path << ", which the router does not route";
    EXPECT_EQ(SplitAllow(match.allow), Methods(path)) << path;
  }
}

}  // namespace
}  // namespace flagmeter
