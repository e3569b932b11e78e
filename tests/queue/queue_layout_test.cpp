#include "flagmeter/queue/queue_layout.hpp"

#include <gtest/gtest.h>

namespace flagmeter {
namespace {

TEST(QueueLayout, StoredFormRoundTrips) {
  for (const QueueLayout& layout : {QueueLayout{1, false}, QueueLayout{1, true}, QueueLayout{16, true}}) {
    const std::optional<QueueLayout> parsed = QueueLayout::Parse(layout.ToString());
    ASSERT_TRUE(parsed) << layout.ToString();
    EXPECT_TRUE(parsed->SameKeys(layout)) << layout.ToString();
  }
  EXPECT_EQ(QueueLayout({1, false}).ToString(), "1");
  EXPECT_EQ(QueueLayout({1, true}).ToString(), "1 hash-tagged");
  EXPECT_EQ(QueueLayout({4, false}).ToString(), "4");
}

TEST(QueueLayout, RefusesAnythingElse) {
  for (const char* text : {"", "0", "-1", "x", "4 shards", "1 hash-tagged "}) {
    EXPECT_FALSE(QueueLayout::Parse(text)) << text;
  }
}

TEST(QueueLayout, ManyShardsAreAlwaysHashTagged) {
  QueueConfig config;
  config.shards = 4;
  EXPECT_TRUE(QueueLayout::Of(config).SameKeys(QueueLayout{4, false}));
  EXPECT_FALSE((QueueLayout{1, false}.SameKeys(QueueLayout{1, true})));
  EXPECT_FALSE((QueueLayout{1, false}.SameKeys(QueueLayout{2, true})));
}

}  // namespace
}  // namespace flagmeter
