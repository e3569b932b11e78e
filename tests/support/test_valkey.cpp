#include "support/test_valkey.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

namespace flagmeter::test {
namespace {

constexpr int kReadyTimeoutMs = 10000;
constexpr int kStopTimeoutMs = 10000;

// Asks the kernel for a free port. Another process could take it before the
// server binds; Start() then fails with the server's "Address in use" line.
int PickFreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error(std::string("TestValkey: socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    throw std::runtime_error(std::string("TestValkey: pick a free port: ") + std::strerror(errno));
  }
  close(fd);
  return ntohs(addr.sin_port);
}

std::string MakeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "flagmeter-valkey-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("TestValkey: mkdtemp " + pattern + ": " + std::strerror(errno));
  }
  return pattern;
}

std::string FindServerBinary() {
  if (const char* configured = std::getenv("FLAGMETER_TEST_VALKEY_SERVER"); configured && *configured) {
    return configured;
  }
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  std::string dir;
  for (const char* name : {"valkey-server", "redis-server"}) {
    dirs.clear();
    dirs.seekg(0);
    while (std::getline(dirs, dir, ':')) {
      const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
      if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
  }
  return "";
}

// One PING on a fresh connection, through hiredis directly so that the
// refusals expected during start-up are not logged as connection warnings.
bool AnswersPing(int port, std::string* error) {
  redisContext* context = redisConnectWithTimeout("127.0.0.1", port, timeval{1, 0});
  if (context == nullptr || context->err != 0) {
    *error = context ? context->errstr : "cannot allocate a hiredis context";
    if (context) redisFree(context);
    return false;
  }
  auto* reply = static_cast<redisReply*>(redisCommand(context, "PING"));
  bool pong = reply != nullptr && reply->type == REDIS_REPLY_STATUS && std::string(reply->str) == "PONG";
  *error = reply == nullptr ? context->errstr : (reply->str ? reply->str : "unexpected reply");
  if (reply) freeReplyObject(reply);
  redisFree(context);
  return pong;
}

}  // namespace

TestValkey::TestValkey(std::vector<std::string> extra_args)
    : extra_args_(std::move(extra_args)),
      dir_(MakeTempDir()),
      port_(PickFreePort()),
      client_(ValkeyEndpoint{"127.0.0.1", port_, 0, ""}, /*connect_timeout_ms=*/1000,
              /*command_timeout_ms=*/5000, /*reconnect_backoff_ms=*/0) {}

TestValkey::~TestValkey() {
  Kill();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

ValkeyEndpoint TestValkey::endpoint() const { return ValkeyEndpoint{"127.0.0.1", port_, 0, ""}; }

std::string TestValkey::url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }

Status TestValkey::Start() {
  if (running()) return Status::Ok();
  const std::string binary = FindServerBinary();
  if (binary.empty()) {
    return Status::Unavailable(
        "TestValkey: no server binary: set FLAGMETER_TEST_VALKEY_SERVER or put valkey-server or "
        "redis-server on PATH (Debian: apt-get install redis-server)");
  }
  if (Status spawned = Spawn(binary); !spawned.ok()) return spawned;
  return WaitUntilReady();
}

Status TestValkey::Spawn(const std::string& binary) {
  const std::string port = std::to_string(port_);
  std::vector<std::string> args{binary,   "--port",       port,         "--bind",         "127.0.0.1",
                                "--dir",  dir_,           "--save",     "",               "--appendonly",
                                "yes",    "--appendfsync", "everysec",  "--daemonize",    "no",
                                "--logfile", ""};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const std::string log_path = dir_ + "/server.log";
  const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return Status::Internal("TestValkey: open " + log_path + ": " + std::strerror(errno));
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    // Only async-signal-safe calls until exec. The server must not outlive
    // a test binary that crashes.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(126);
    sigset_t none;  // the test may block SIGPIPE; the server needs a clean mask
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(log_fd);
  if (pid < 0) return Status::Internal(std::string("TestValkey: fork: ") + std::strerror(errno));
  pid_ = pid;
  return Status::Ok();
}

Status TestValkey::WaitUntilReady() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kReadyTimeoutMs);
  std::string last = "not probed yet";
  while (std::chrono::steady_clock::now() < deadline) {
    int wstatus = 0;
    if (waitpid(pid_, &wstatus, WNOHANG) == pid_) {
      pid_ = -1;
      return Status::Unavailable("TestValkey: server on port " + std::to_string(port_) +
                                 " exited during start-up (status " + std::to_string(wstatus) +
                                 "); log tail:\n" + LogTail());
    }
    if (AnswersPing(port_, &last)) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Status::Unavailable("TestValkey: no PONG on port " + std::to_string(port_) + " within " +
                             std::to_string(kReadyTimeoutMs) + " ms (last: " + last + "); log tail:\n" +
                             LogTail());
}

bool TestValkey::Reap(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  do {
    int wstatus = 0;
    const pid_t done = waitpid(pid_, &wstatus, WNOHANG);
    if (done == pid_ || (done < 0 && errno == ECHILD)) {
      pid_ = -1;
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

Status TestValkey::Stop() {
  client_.Disconnect();
  if (!running()) return Status::Ok();
  kill(pid_, SIGTERM);
  if (Reap(kStopTimeoutMs)) return Status::Ok();
  Kill();
  return Status::Internal("TestValkey: server on port " + std::to_string(port_) + " ignored SIGTERM for " +
                          std::to_string(kStopTimeoutMs) + " ms; killed it");
}

void TestValkey::Kill() {
  client_.Disconnect();
  if (!running()) return;
  kill(pid_, SIGKILL);
  int wstatus = 0;
  while (waitpid(pid_, &wstatus, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

Result<ValkeyReply> TestValkey::Command(const std::vector<std::string_view>& args) {
  return client_.Command(args);
}

std::vector<std::string> TestValkey::ListItems(const std::string& key) {
  auto reply = client_.Command({"LRANGE", key, "0", "-1"});
  std::vector<std::string> items;
  if (!reply.ok()) return items;
  for (ValkeyReply& element : reply->elements) items.push_back(std::move(element.str));
  return items;
}

long long TestValkey::ListLength(const std::string& key) {
  auto reply = client_.Command({"LLEN", key});
  return reply.ok() ? reply->integer : -1;
}

std::string TestValkey::LogTail() const {
  std::ifstream log(dir_ + "/server.log");
  std::stringstream all;
  all << log.rdbuf();
  const std::string text = all.str();
  constexpr std::size_t kTail = 2000;
  return text.size() > kTail ? text.substr(text.size() - kTail) : text;
}

}  // namespace flagmeter::test
