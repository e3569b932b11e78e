#include "flagmeter/core/thread_name.hpp"

#include <gtest/gtest.h>
#include <pthread.h>

#include <array>
#include <string>
#include <thread>

namespace flagmeter {
namespace {

std::string NameAThread(const std::string& name) {
  std::string seen;
  std::thread thread([&] {
    SetThreadName(name);
    std::array<char, 16> buffer{};
    pthread_getname_np(pthread_self(), buffer.data(), buffer.size());
    seen = buffer.data();
  });
  thread.join();
  return seen;
}

TEST(ThreadName, NamesTheCallingThread) { EXPECT_EQ(NameAThread("fm-worker-3"), "fm-worker-3"); }

TEST(ThreadName, KeepsTheFirstFifteenCharactersOfALongName) {
  EXPECT_EQ(NameAThread("fm-a-very-long-thread-name"), "fm-a-very-long-");
}

}  // namespace
}  // namespace flagmeter
