#include "queue/resp_command.hpp"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <cstddef>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace flagmeter {
namespace {

using Args = std::vector<std::string_view>;

// hiredis's own encoding of the same command, the bytes the server used to get.
std::string HiredisFormat(const Args& args) {
  std::vector<const char*> pointers;
  std::vector<std::size_t> lengths;
  for (std::string_view arg : args) {
    pointers.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  char* command = nullptr;
  const int length =
      redisFormatCommandArgv(&command, static_cast<int>(args.size()), pointers.data(), lengths.data());
  EXPECT_GE(length, 0);
  std::string formatted(command, static_cast<std::size_t>(length));
  redisFreeCommand(command);
  return formatted;
}

std::string Encode(const Args& args) {
  std::string out;
  AppendRespCommand(args, out);
  return out;
}

TEST(RespCommand, EncodesOneWordCommand) {
  EXPECT_EQ(Encode({"PING"}), "*1\r\n$4\r\nPING\r\n");
  EXPECT_EQ(Encode({"PING"}), HiredisFormat({"PING"}));
}

TEST(RespCommand, EncodesEmptyArguments) {
  for (const Args& args : {Args{""}, Args{"SET", "key", ""}, Args{"", "", ""}, Args{}}) {
    EXPECT_EQ(Encode(args), HiredisFormat(args));
  }
  EXPECT_EQ(Encode({"ECHO", ""}), "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n");
}

TEST(RespCommand, KeepsBinaryBytes) {
  using namespace std::literals;
  const std::string value = "a\0b\r\nc\r\n\0"s + "\xff\x80\n\r"s;
  const Args args{"RPUSH", "events\r\n", value, "\0"sv};
  EXPECT_EQ(Encode(args), HiredisFormat(args));
  EXPECT_EQ(Encode({value}), "*1\r\n$" + std::to_string(value.size()) + "\r\n" + value + "\r\n");
}

TEST(RespCommand, EncodesALargeArgument) {
  std::string big(100'000, 'x');
  for (std::size_t i = 0; i < big.size(); i += 97) big[i] = static_cast<char>(i % 256);
  const Args args{"SET", "key", big};
  EXPECT_EQ(Encode(args), HiredisFormat(args));
}

TEST(RespCommand, EncodesAThousandArguments) {
  std::vector<std::string> values;
  for (int i = 0; i < 1000; ++i) values.push_back("event-" + std::to_string(i * 7919));
  Args args{"EVALSHA", "0123456789abcdef0123456789abcdef01234567", "1", "queue"};
  args.insert(args.end(), values.begin(), values.end());
  EXPECT_EQ(Encode(args), HiredisFormat(args));
}

TEST(RespCommand, MatchesHiredisOnRandomCommands) {
  std::mt19937 random(20240611);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> count(0, 40);
  std::uniform_int_distribution<int> short_length(0, 20);
  std::uniform_int_distribution<int> long_length(0, 5000);
  std::bernoulli_distribution long_one(0.05);
  for (int round = 0; round < 300; ++round) {
    std::vector<std::string> values(static_cast<std::size_t>(count(random)));
    for (std::string& value : values) {
      value.resize(static_cast<std::size_t>(long_one(random) ? long_length(random) : short_length(random)));
      for (char& c : value) c = static_cast<char>(byte(random));
    }
    const Args args(values.begin(), values.end());
    ASSERT_EQ(Encode(args), HiredisFormat(args)) << "round " << round;
  }
}

TEST(RespCommand, AppendsAfterWhatOutHeld) {
  std::string out = "*1\r\n$4\r\nPING\r\n";
  AppendRespCommand({"GET", "key"}, out);
  EXPECT_EQ(out, HiredisFormat({"PING"}) + HiredisFormat({"GET", "key"}));
  const std::string held = "not RESP at all";
  out = held;
  AppendRespCommand({"ASKING"}, out);
  EXPECT_EQ(out, held + HiredisFormat({"ASKING"}));
}

TEST(RespCommand, ReusesRoomAlreadyThere) {
  std::string out;
  out.reserve(1024);
  const char* data = out.data();
  AppendRespCommand({"RPUSH", "events", "one", "two"}, out);
  EXPECT_EQ(out.data(), data);
  out.clear();
  AppendRespCommand({"LRANGE", "events", "0", "-1"}, out);
  EXPECT_EQ(out.data(), data);
  EXPECT_EQ(out, HiredisFormat({"LRANGE", "events", "0", "-1"}));
}

}  // namespace
}  // namespace flagmeter
