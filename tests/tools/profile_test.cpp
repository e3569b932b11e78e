#include "load/profile.hpp"

#include <gtest/gtest.h>

namespace flagmeter::load {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

TEST(Profile, SeedHasTheK6StagesAndLastsFiveMinutes) {
  const Profile seed = SeedProfile();
  ASSERT_EQ(seed.stages.size(), 5u);
  EXPECT_EQ(seed.start_vus, 0);
  EXPECT_EQ(seed.TotalDuration(), minutes(5));
  EXPECT_EQ(seed.MaxVus(), 1000);
  EXPECT_DOUBLE_EQ(seed.VusAt(seconds(15)), 50);
  EXPECT_DOUBLE_EQ(seed.VusAt(seconds(30)), 100);
  EXPECT_DOUBLE_EQ(seed.VusAt(seconds(60)), 300);
  EXPECT_DOUBLE_EQ(seed.VusAt(minutes(4)), 1000);
  EXPECT_DOUBLE_EQ(seed.VusAt(seconds(285)), 500);
  EXPECT_DOUBLE_EQ(seed.VusAt(minutes(5)), 0);
}

TEST(Profile, ShortIsTheSeedShapeInThirtySeconds) {
  const Profile short_profile = ShortProfile();
  EXPECT_EQ(short_profile.TotalDuration(), seconds(30));
  EXPECT_EQ(short_profile.MaxVus(), 1000);
  EXPECT_DOUBLE_EQ(short_profile.VusAt(seconds(3)), 100);
}

TEST(Profile, NextActiveTimeFollowsTheRampUp) {
  const Profile seed = SeedProfile();
  // VU 0 needs 1 VU: 0.3 s into the 30 s ramp to 100.
  EXPECT_EQ(seed.NextActiveTime(0, Millis(0)), Millis(300));
  // VU 99 needs 100: the end of the first stage.
  EXPECT_EQ(seed.NextActiveTime(99, Millis(0)), seconds(30));
  // VU 299 needs 300: 30 s into the ramp from 100 to 500 over 60 s.
  EXPECT_EQ(seed.NextActiveTime(299, Millis(0)), seconds(60));
  // Already active: now.
  EXPECT_EQ(seed.NextActiveTime(10, seconds(100)), seconds(100));
}

TEST(Profile, NextActiveTimeEndsWithTheRampDown) {
  const Profile seed = SeedProfile();
  // During the ramp down from 1000 to 0 over 30 s, VU 499 leaves at 15 s in.
  EXPECT_EQ(seed.NextActiveTime(499, seconds(284)), seconds(284));
  EXPECT_EQ(seed.NextActiveTime(499, seconds(286)), std::nullopt);
  EXPECT_EQ(seed.NextActiveTime(0, minutes(5)), std::nullopt);
}

TEST(Profile, NextActiveTimeFindsALaterRise) {
  const Profile up_down_up{0, {{seconds(10), 10}, {seconds(10), 0}, {seconds(10), 10}}};
  // VU 9 is active at 10 s, gone right after, back at the very end of the second rise.
  EXPECT_EQ(up_down_up.NextActiveTime(9, seconds(10)), seconds(10));
  EXPECT_EQ(up_down_up.NextActiveTime(9, Millis(10'500)), std::nullopt);
  EXPECT_EQ(up_down_up.NextActiveTime(4, Millis(16'000)), seconds(25));
}

TEST(Profile, ConstantProfileIsActiveThroughout) {
  const Profile constant = ConstantProfile(200, seconds(15));
  EXPECT_EQ(constant.NextActiveTime(0, Millis(0)), Millis(0));
  EXPECT_EQ(constant.NextActiveTime(199, seconds(14)), seconds(14));
  EXPECT_EQ(constant.NextActiveTime(200, Millis(0)), std::nullopt);
  EXPECT_EQ(constant.NextActiveTime(0, seconds(15)), std::nullopt);
}

TEST(Profile, ParsesStages) {
  const Result<Profile> parsed = ParseStages("30s:100,1m:500,1m30s:0");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->stages.size(), 3u);
  EXPECT_EQ(parsed->stages[1].duration, minutes(1));
  EXPECT_EQ(parsed->stages[1].target, 500);
  EXPECT_EQ(parsed->stages[2].duration, seconds(90));
}

TEST(Profile, RejectsBadStages) {
  EXPECT_FALSE(ParseStages("").ok());
  EXPECT_FALSE(ParseStages("30s").ok());
  EXPECT_FALSE(ParseStages("30s:-1").ok());
  EXPECT_FALSE(ParseStages("30x:10").ok());
  EXPECT_FALSE(ParseStages("0s:10").ok());
  EXPECT_NE(ParseStages("30s:abc").status().message().find("30s:abc"), std::string::npos);
}

TEST(Profile, ParsesAndFormatsDurations) {
  EXPECT_EQ(*ParseDuration("500ms"), Millis(500));
  EXPECT_EQ(*ParseDuration("15"), seconds(15));
  EXPECT_EQ(*ParseDuration("2m"), minutes(2));
  EXPECT_EQ(*ParseDuration("1h"), minutes(60));
  EXPECT_EQ(*ParseDuration("1.5s"), Millis(1500));
  EXPECT_FALSE(ParseDuration("").ok());
  EXPECT_FALSE(ParseDuration("-3s").ok());
  EXPECT_EQ(FormatDuration(seconds(90)), "1m30s");
  EXPECT_EQ(FormatDuration(seconds(30)), "30s");
  EXPECT_EQ(FormatDuration(Millis(250)), "250ms");
}

}  // namespace
}  // namespace flagmeter::load
