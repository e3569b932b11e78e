#include "store/pg_connection.hpp"

#include <gtest/gtest.h>

#include "support/test_postgres.hpp"

namespace flagmeter {
namespace {

TEST(WithConnectionParameter, AddsQueryToUri) {
  EXPECT_EQ(WithConnectionParameter("postgres://u@h:5432/db", "connect_timeout", "3"),
            "postgres://u@h:5432/db?connect_timeout=3");
  EXPECT_EQ(WithConnectionParameter("postgresql://u@h/db?sslmode=require", "connect_timeout", "3"),
            "postgresql://u@h/db?sslmode=require&connect_timeout=3");
}

TEST(WithConnectionParameter, KeepsTheCallersValue) {
  EXPECT_EQ(WithConnectionParameter("postgres://h/db?connect_timeout=10", "connect_timeout", "3"),
            "postgres://h/db?connect_timeout=10");
  EXPECT_EQ(WithConnectionParameter("postgres://h/db?a=1&connect_timeout=10", "connect_timeout",
                                    "3"),
            "postgres://h/db?a=1&connect_timeout=10");
  EXPECT_EQ(WithConnectionParameter("host=h connect_timeout=10", "connect_timeout", "3"),
            "host=h connect_timeout=10");
}

TEST(WithConnectionParameter, AppendsToKeywordForm) {
  EXPECT_EQ(WithConnectionParameter("host=h dbname=x", "connect_timeout", "3"),
            "host=h dbname=x connect_timeout=3");
  EXPECT_EQ(WithConnectionParameter("", "connect_timeout", "3"), "connect_timeout=3");
}

TEST(UrlWithDatabase, ReplacesOrAddsThePath) {
  EXPECT_EQ(test::UrlWithDatabase("postgres://u@h:1/postgres", "t1"), "postgres://u@h:1/t1");
  EXPECT_EQ(test::UrlWithDatabase("postgres://u@h:1", "t1"), "postgres://u@h:1/t1");
  EXPECT_EQ(test::UrlWithDatabase("postgres://u@h:1?sslmode=disable", "t1"),
            "postgres://u@h:1/t1?sslmode=disable");
  EXPECT_EQ(test::UrlWithDatabase("postgres://u@h:1/postgres?x=y", "t1"),
            "postgres://u@h:1/t1?x=y");
}

}  // namespace
}  // namespace flagmeter
