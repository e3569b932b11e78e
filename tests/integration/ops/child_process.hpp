#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace flagmeter::test {

/// A fresh temporary folder, removed with everything in it by the destructor.
class TempDir final {
 public:
  explicit TempDir(const std::string& prefix) {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp " + pattern + ": " + std::strerror(errno));
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// A server program (Prometheus, an exporter) run as a child with its output
/// in `log_path`. It dies with the thread that started it (PR_SET_PDEATHSIG),
/// so a crashed test leaves nothing behind; the destructor stops it. Not
/// thread-safe.
class ChildProcess final {
 public:
  /// `env` is added to this process's environment.
  ChildProcess(std::vector<std::string> argv, std::map<std::string, std::string> env, std::string log_path)
      : argv_(std::move(argv)), env_(std::move(env)), log_path_(std::move(log_path)) {}
  ~ChildProcess() { Stop(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  /// Forks and execs; false (with the reason in `error`) when that fails.
  bool Start(std::string* error) {
    const int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) {
      *error = "open " + log_path_ + ": " + std::strerror(errno);
      return false;
    }
    std::vector<char*> argv;
    for (std::string& arg : argv_) argv.push_back(arg.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_strings = EnvironmentStrings();
    std::vector<char*> envp;
    for (std::string& entry : env_strings) envp.push_back(entry.data());
    envp.push_back(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) {
      // Only async-signal-safe calls until exec.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(126);
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      ::dup2(log_fd, STDOUT_FILENO);
      ::dup2(log_fd, STDERR_FILENO);
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
    ::close(log_fd);
    if (pid < 0) {
      *error = std::string("fork: ") + std::strerror(errno);
      return false;
    }
    pid_ = pid;
    return true;
  }

  /// True while the child has not exited (reaps it when it has).
  bool Running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    return pid_ > 0;
  }

  /// The exit code once the child has been reaped (128+N for signal N), else -1.
  int exit_code() const { return exit_code_; }

  /// SIGTERM, then SIGKILL after `timeout`; waits for the exit.
  void Stop(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!Running()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }

  std::string Log() const { return ReadFile(log_path_); }

 private:
  std::vector<std::string> EnvironmentStrings() const {
    std::map<std::string, std::string> merged;
    for (char** entry = environ; *entry != nullptr; ++entry) {
      const std::string text = *entry;
      const std::size_t eq = text.find('=');
      if (eq != std::string::npos) merged[text.substr(0, eq)] = text.substr(eq + 1);
    }
    for (const auto& [name, value] : env_) merged[name] = value;
    std::vector<std::string> result;
    for (const auto& [name, value] : merged) result.push_back(name + "=" + value);
    return result;
  }

  std::vector<std::string> argv_;
  std::map<std::string, std::string> env_;
  std::string log_path_;
  pid_t pid_ = -1;
  int exit_code_ = -1;
};

struct CommandResult {
  int exit_code = -1;  // 128+N when killed by signal N
  std::string output;  // stdout and stderr, interleaved
};

/// Runs `argv` to completion (argv[0] is looked up on PATH) with its output
/// captured through a file in `scratch_dir`; killed after `timeout`.
/// Blocking; call it from the test's main thread only.
inline CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& scratch_dir,
                                std::chrono::seconds timeout = std::chrono::seconds(60)) {
  static int counter = 0;
  const std::string log = scratch_dir + "/command-" + std::to_string(++counter) + ".log";
  std::vector<std::string> args = argv;
  if (args[0].find('/') == std::string::npos) args.insert(args.begin(), "/usr/bin/env");
  ChildProcess child(args, {}, log);
  CommandResult result;
  if (!child.Start(&result.output)) return result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (child.Running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  child.Stop();
  result.exit_code = child.exit_code();
  result.output = ReadFile(log);
  return result;
}

}  // namespace flagmeter::test
