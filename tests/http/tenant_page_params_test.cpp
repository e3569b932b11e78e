#include "http/tenant_page_params.hpp"

#include <gtest/gtest.h>

namespace flagmeter {
namespace {

std::vector<FieldError> Errors(std::string_view query, int max_limit = 500) {
  auto parsed = ParseTenantPage(query, max_limit);
  auto* errors = std::get_if<std::vector<FieldError>>(&parsed);
  return errors ? *errors : std::vector<FieldError>{};
}

TenantPageRequest Page(std::string_view query, int max_limit = 500) {
  auto parsed = ParseTenantPage(query, max_limit);
  auto* page = std::get_if<TenantPageRequest>(&parsed);
  EXPECT_TRUE(page) << query << ": " << (page ? "" : std::get<std::vector<FieldError>>(parsed)[0].message);
  return page ? *page : TenantPageRequest{};
}

TEST(ParseTenantPage, DefaultsToTheFirstPageOfOneHundred) {
  for (std::string_view query : {"", "x=1", "pretty&debug=true"}) {
    const TenantPageRequest page = Page(query);
    EXPECT_EQ(page.limit, 100) << query;
    EXPECT_FALSE(page.after) << query;
  }
}

TEST(ParseTenantPage, DefaultIsCutToASmallerMaximum) { EXPECT_EQ(Page("", 40).limit, 40); }

TEST(ParseTenantPage, ReadsLimitWithinOneToMaximum) {
  EXPECT_EQ(Page("limit=1").limit, 1);
  EXPECT_EQ(Page("limit=500").limit, 500);
  EXPECT_EQ(Page("x=y&limit=37&z").limit, 37);
}

TEST(ParseTenantPage, RejectsEveryOtherLimitNamingTheRange) {
  for (std::string_view query : {"limit=0", "limit=501", "limit=-1", "limit=+5", "limit=abc", "limit=", "limit",
                                 "limit=1.5", "limit=5x", "limit=%20%35", "limit=99999999999999999999",
                                 "limit=1&limit=1", "limit=%zz"}) {
    const std::vector<FieldError> errors = Errors(query);
    ASSERT_EQ(errors.size(), 1u) << query;
    EXPECT_EQ(errors[0].path, "limit") << query;
  }
  EXPECT_EQ(Errors("limit=0")[0].message, "limit must be an integer from 1 to 500 (tenants per page; default 100)");
  EXPECT_EQ(Errors("limit=51", 50)[0].message, "limit must be an integer from 1 to 50 (tenants per page; default 50)");
}

TEST(ParseTenantPage, CursorRoundTripsEveryName) {
  const std::vector<std::string> names = {"a", "ab", "abc", "abcd", "acme-corp", "a/b c", "z\xC3\xBCrich", "~", "+?&=#%",
                                         std::string(128, '\xE2') /* not valid UTF-8 as a name, but encodable */};
  for (const std::string& name : names) {
    const std::string cursor = TenantCursor(name);
    EXPECT_EQ(cursor.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos)
        << cursor;
    if (name[0] == '\xE2') continue;
    const TenantPageRequest page = Page("cursor=" + cursor + "&limit=7");
    EXPECT_EQ(page.after, name);
    EXPECT_EQ(page.limit, 7);
  }
  EXPECT_EQ(TenantCursor("acme"), "YWNtZQ");
}

TEST(ParseTenantPage, RejectsACursorNoAnswerCouldHaveGiven) {
  for (std::string_view query : {"cursor=", "cursor", "cursor=YWNtZQ==", "cursor=YWNtZQ%3D%3D", "cursor=a+b",
                                 "cursor=!!!", "cursor=%zz", "cursor=A", "cursor=YWNtZR" /* unused bits set */,
                                 "cursor=AA" /* a NUL byte */, "cursor=ww" /* a lone 0xC3: not UTF-8 */,
                                 "cursor=YWNtZQ&cursor=YWNtZQ"}) {
    const std::vector<FieldError> errors = Errors(query);
    ASSERT_EQ(errors.size(), 1u) << query;
    EXPECT_EQ(errors[0].path, "cursor") << query;
  }
  // Longer than any tenant name (128 bytes).
  EXPECT_EQ(Errors("cursor=" + TenantCursor(std::string(129, 'a'))).size(), 1u);
}

TEST(ParseTenantPage, ReportsBothParametersAtOnce) {
  const std::vector<FieldError> errors = Errors("limit=0&cursor=!");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].path, "limit");
  EXPECT_EQ(errors[1].path, "cursor");
}

}  // namespace
}  // namespace flagmeter
