#include "support/flagmeter_process.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace flagmeter::test {
namespace {

bool Accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

FlagmeterProcess::FlagmeterProcess(std::map<std::string, std::string> env) : env_(std::move(env)) {
  if (!env_.contains("PORT")) env_["PORT"] = std::to_string(FreePort());
  port_ = std::stoi(env_["PORT"]);
  env_.try_emplace("BIND_ADDRESS", "127.0.0.1");
  env_.try_emplace("LOG_FORMAT", "text");
  char path[] = "/tmp/flagmeter-test-log-XXXXXX";
  const int fd = ::mkstemp(path);
  ::close(fd);
  log_path_ = path;
}

FlagmeterProcess::~FlagmeterProcess() {
  if (pid_ > 0) Stop(SIGKILL, 5000);
  ::unlink(log_path_.c_str());
}

bool FlagmeterProcess::Start(std::string* error, int timeout_ms) {
  std::vector<std::string> env_strings;
  for (const auto& [name, value] : env_) env_strings.push_back(name + "=" + value);
  std::vector<char*> envp;
  for (std::string& entry : env_strings) envp.push_back(entry.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path_.c_str(), O_WRONLY | O_APPEND, 0);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  // FLAGMETER_TEST_BINARY runs the tests against another build (an older
  // one, to see a new test fail on the code before a change).
  const char* other_binary = std::getenv("FLAGMETER_TEST_BINARY");
  std::string binary = other_binary != nullptr && *other_binary != '\0' ? other_binary : FLAGMETER_BINARY;
  char* argv[] = {binary.data(), nullptr};
  const int spawned = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    pid_ = -1;
    *error = "cannot start " + binary;
    return false;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      *error = "flagmeter exited at start-up:\n" + Log();
      return false;
    }
    if (Accepts(port_)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  *error = "flagmeter did not listen within " + std::to_string(timeout_ms) + " ms:\n" + Log();
  return false;
}

int FlagmeterProcess::Stop(int signal, int timeout_ms) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, signal);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      return 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
  return -1;
}

std::string FlagmeterProcess::Log() const {
  std::ifstream in(log_path_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace flagmeter::test
