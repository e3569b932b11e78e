#include "flagmeter/queue/valkey_connection.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/test_valkey.hpp"

namespace flagmeter {
namespace {

class ValkeyConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const Status started = valkey_.Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
  }

  test::TestValkey valkey_;
};

TEST_F(ValkeyConnectionTest, SendsArbitraryBytes) {
  ValkeyConnection connection(valkey_.endpoint(), 1000);
  const std::string value("a\0b\r\n\xff", 6);
  ASSERT_TRUE(connection.Command({"SET", "k", value}).ok());
  auto reply = connection.Command({"GET", "k"});
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->type, ValkeyReply::Type::kString);
  EXPECT_EQ(reply->str, value);
}

TEST_F(ValkeyConnectionTest, ErrorReplyNamesServerAndCommand) {
  ValkeyConnection connection(valkey_.endpoint(), 1000);
  ASSERT_TRUE(connection.Command({"SET", "k", "v"}).ok());
  auto reply = connection.Command({"LPUSH", "k", "x"});
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), Status::Code::kInternal);
  EXPECT_EQ(reply.status().message().rfind(connection.description() + ": LPUSH k: WRONGTYPE", 0), 0u)
      << reply.status().message();
  EXPECT_TRUE(connection.connected());  // an error reply is not an I/O error
}

TEST_F(ValkeyConnectionTest, PipelineReadsEveryReplyInOrder) {
  ValkeyConnection connection(valkey_.endpoint(), 1000);
  auto replies = connection.Pipeline({{"RPUSH", "l", "a", "b"}, {"LLEN", "l"}, {"LRANGE", "l", "0", "-1"}});
  ASSERT_TRUE(replies.ok()) << replies.status().ToString();
  ASSERT_EQ(replies->size(), 3u);
  EXPECT_EQ((*replies)[1].integer, 2);
  ASSERT_EQ((*replies)[2].elements.size(), 2u);
  EXPECT_EQ((*replies)[2].elements[1].str, "b");

  auto failed = connection.Pipeline({{"SET", "s", "v"}, {"LLEN", "s"}, {"GET", "s"}});
  EXPECT_FALSE(failed.ok());
  auto after = connection.Command({"GET", "s"});  // the connection is still in step
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->str, "v");
}

TEST_F(ValkeyConnectionTest, ReloadsScriptsAfterScriptFlush) {
  ValkeyConnection connection(valkey_.endpoint(), 1000);
  const ValkeyScript script{"echo", "return ARGV[1]"};
  auto first = connection.Eval(script, {}, {"one"});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->str, "one");
  ASSERT_TRUE(valkey_.Command({"SCRIPT", "FLUSH"}).ok());
  auto second = connection.Eval(script, {}, {"two"});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->str, "two");
}

TEST_F(ValkeyConnectionTest, SurvivesServerDeathDuringLargeWrite) {
  ValkeyConnection connection(valkey_.endpoint(), 1000);
  ASSERT_TRUE(connection.Command({"PING"}).ok());
  valkey_.Kill();
  // Several MB cannot go out in one write(): the later writes hit the closed
  // socket, which must give EPIPE, not a SIGPIPE that ends the process.
  const std::string big(8 << 20, 'x');
  auto reply = connection.Command({"SET", "big", big});
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), Status::Code::kUnavailable) << reply.status().ToString();
  EXPECT_FALSE(connection.connected());
}

TEST_F(ValkeyConnectionTest, FailsFastRightAfterRefusedConnect) {
  ValkeyConnection connection(valkey_.endpoint(), 1000, 3000, /*reconnect_backoff_ms=*/60000);
  ASSERT_TRUE(valkey_.Stop().ok());
  const Status refused = connection.EnsureConnected();
  EXPECT_EQ(refused.code(), Status::Code::kUnavailable);
  ASSERT_TRUE(valkey_.Start().ok());
  const Status fast = connection.EnsureConnected();  // no new attempt inside the backoff
  EXPECT_EQ(fast.code(), Status::Code::kUnavailable);
  EXPECT_NE(fast.message().find("last attempt"), std::string::npos) << fast.message();
}

}  // namespace
}  // namespace flagmeter
