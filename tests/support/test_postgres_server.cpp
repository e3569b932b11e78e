#include "support/test_postgres_server.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/flagmeter_process.hpp"

namespace flagmeter::test {
namespace {

constexpr char kDefaultBinDir[] = "/usr/lib/postgresql/15/bin";
constexpr char kRunUser[] = "/usr/sbin/runuser";
constexpr char kServerUser[] = "postgres";
constexpr auto kToolTimeout = std::chrono::seconds(90);
constexpr auto kKillTimeout = std::chrono::seconds(10);

std::string MakeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "flagmeter-pg-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("TestPostgresServer: mkdtemp " + pattern + ": " + std::strerror(errno));
  }
  return pattern;
}

std::string Tail(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path);
  std::stringstream all;
  all << in.rdbuf();
  const std::string text = all.str();
  return text.size() > max_bytes ? text.substr(text.size() - max_bytes) : text;
}

// True while a process of group `pgid` is alive (zombies count as gone: they
// hold no shared memory, so a restart does not wait for their reaping).
bool GroupAlive(pid_t pgid) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    const std::size_t after_name = line.rfind(')');
    if (after_name == std::string::npos) continue;
    std::istringstream fields(line.substr(after_name + 2));
    char state = 0;
    long ppid = 0;
    long pgrp = 0;
    fields >> state >> ppid >> pgrp;
    if (pgrp == pgid && state != 'Z' && state != 'X') return true;
  }
  return false;
}

}  // namespace

TestPostgresServer::TestPostgresServer() : dir_(MakeTempDir()), port_(FreePort()) {
  data_dir_ = dir_ + "/data";
  const char* bin = std::getenv("FLAGMETER_TEST_PG_BIN");
  bin_dir_ = bin != nullptr && *bin != '\0' ? bin : kDefaultBinDir;
}

TestPostgresServer::~TestPostgresServer() {
  if (running() && !Stop().ok()) Kill();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string TestPostgresServer::url() const {
  return "postgres://postgres@127.0.0.1:" + std::to_string(port_) + "/postgres";
}

std::string TestPostgresServer::LogTail(std::size_t max_bytes) const {
  return "--- tools.log ---\n" + Tail(dir_ + "/tools.log", max_bytes) + "\n--- server.log ---\n" +
         Tail(dir_ + "/server.log", max_bytes);
}

Status TestPostgresServer::Start() {
  if (running()) return Status::Ok();
  if (!initialised_) {
    if (Status status = InitDb(); !status.ok()) return status;
  }
  // fsync=off: only an operating-system crash could lose data with it, and
  // these tests crash processes, never the machine.
  const std::string options = "-p " + std::to_string(port_) + " -k " + dir_ +
                              " -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=16MB"
                              " -c max_connections=60";
  Status started = RunTool({bin_dir_ + "/pg_ctl", "start", "-D", data_dir_, "-w", "-t", "60", "-l",
                            dir_ + "/server.log", "-o", options},
                           "pg_ctl start");
  if (!started.ok()) return started;
  postmaster_pid_ = ReadPostmasterPid();
  if (postmaster_pid_ <= 0) {
    return Status::Internal("TestPostgresServer: started but " + data_dir_ +
                            "/postmaster.pid names no process; " + LogTail());
  }
  return Status::Ok();
}

Status TestPostgresServer::Stop() {
  if (!running()) return Status::Ok();
  Status stopped = RunTool({bin_dir_ + "/pg_ctl", "stop", "-D", data_dir_, "-m", "fast", "-w", "-t", "60"},
                           "pg_ctl stop -m fast");
  if (stopped.ok()) postmaster_pid_ = -1;
  return stopped;
}

void TestPostgresServer::Kill() {
  if (!running()) return;
  // pg_ctl starts the postmaster in a session of its own, so its pid is the
  // group id of every backend and auxiliary process.
  ::kill(-postmaster_pid_, SIGKILL);
  ::kill(postmaster_pid_, SIGKILL);
  const auto deadline = std::chrono::steady_clock::now() + kKillTimeout;
  while (GroupAlive(postmaster_pid_) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  postmaster_pid_ = -1;
}

Status TestPostgresServer::CloneAsStandbyOf(const TestPostgresServer& primary) {
  if (initialised_) return Status::Internal("TestPostgresServer: CloneAsStandbyOf after the cluster was created");
  if (Status status = PrepareDirForServerUser(); !status.ok()) return status;
  Status status = RunTool({bin_dir_ + "/pg_basebackup", "-h", "127.0.0.1", "-p", std::to_string(primary.port()),
                           "-U", "postgres", "-D", data_dir_, "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"},
                          "pg_basebackup from port " + std::to_string(primary.port()));
  if (status.ok()) initialised_ = true;
  return status;
}

Status TestPostgresServer::InitDb() {
  if (Status status = PrepareDirForServerUser(); !status.ok()) return status;
  Status status = RunTool({bin_dir_ + "/initdb", "-D", data_dir_, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                           "--locale=C", "--no-sync"},
                          "initdb");
  if (status.ok()) initialised_ = true;
  return status;
}

Status TestPostgresServer::PrepareDirForServerUser() {
  if (::geteuid() == 0) {
    const passwd* user = ::getpwnam(kServerUser);
    if (user == nullptr) {
      return Status::Unavailable("TestPostgresServer: running as root but there is no '" +
                                 std::string(kServerUser) + "' user to run PostgreSQL as (Debian: apt-get install postgresql)");
    }
    if (::chown(dir_.c_str(), user->pw_uid, user->pw_gid) != 0) {
      return Status::Internal("TestPostgresServer: chown " + dir_ + ": " + std::strerror(errno));
    }
  }
  return Status::Ok();
}

Status TestPostgresServer::RunTool(const std::vector<std::string>& args, const std::string& what) {
  std::vector<std::string> command;
  if (::geteuid() == 0) command = {kRunUser, "-u", kServerUser, "--"};
  command.insert(command.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : command) argv.push_back(arg.data());
  argv.push_back(nullptr);

  const std::string log_path = dir_ + "/tools.log";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  // The server user may not enter the test's working folder.
  posix_spawn_file_actions_addchdir_np(&actions, dir_.c_str());
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;  // the postmaster must not inherit signals the test blocks
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  const int spawned = ::posix_spawn(&pid, argv[0], &actions, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) {
    return Status::Unavailable("TestPostgresServer: " + what + ": cannot run " + command.front() + ": " +
                               std::strerror(spawned));
  }
  const auto deadline = std::chrono::steady_clock::now() + kToolTimeout;
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &wstatus, 0);
      return Status::Unavailable("TestPostgresServer: " + what + " did not finish in " +
                                 std::to_string(kToolTimeout.count()) + " s; " + LogTail());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) return Status::Ok();
  return Status::Unavailable("TestPostgresServer: " + what + " on port " + std::to_string(port_) +
                             " failed (wait status " + std::to_string(wstatus) + "); " + LogTail());
}

pid_t TestPostgresServer::ReadPostmasterPid() const {
  std::ifstream file(data_dir_ + "/postmaster.pid");
  long pid = -1;
  file >> pid;
  return file ? static_cast<pid_t>(pid) : -1;
}

}  // namespace flagmeter::test
