#include "support/test_nginx.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/flagmeter_process.hpp"

namespace flagmeter::test {
namespace {

constexpr int kReadyTimeoutMs = 10000;

std::string MakeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "flagmeter-nginx-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("TestNginx: mkdtemp " + pattern + ": " + std::strerror(errno));
  }
  return pattern;
}

std::string NginxBinary() {
  if (const char* configured = std::getenv("FLAGMETER_TEST_NGINX"); configured && *configured) return configured;
  return "/usr/sbin/nginx";
}

bool AcceptsConnections(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

}  // namespace

TestNginx::TestNginx(std::vector<int> backend_ports)
    : backend_ports_(std::move(backend_ports)), dir_(MakeTempDir()), port_(FreePort()) {}

TestNginx::~TestNginx() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

Status TestNginx::WriteConfig() const {
  std::ofstream out(dir_ + "/nginx.conf");
  // Keep-alive to the backends, as a production balancer would; a backend
  // marked failed is retried after fail_timeout.
  out << "daemon off;\nmaster_process off;\npid " << dir_ << "/nginx.pid;\n"
      << "error_log " << dir_ << "/error.log warn;\n"
      << "events { worker_connections 1024; }\n"
      << "http {\n  access_log off;\n"
      << "  client_body_temp_path " << dir_ << "/body;\n  proxy_temp_path " << dir_ << "/proxy;\n"
      << "  fastcgi_temp_path " << dir_ << "/fastcgi;\n  uwsgi_temp_path " << dir_ << "/uwsgi;\n"
      << "  scgi_temp_path " << dir_ << "/scgi;\n"
      << "  upstream flagmeter {\n";
  for (int backend : backend_ports_) {
    out << "    server 127.0.0.1:" << backend << " max_fails=1 fail_timeout=1s;\n";
  }
  out << "    keepalive 32;\n  }\n"
      << "  server {\n    listen 127.0.0.1:" << port_ << ";\n"
      << "    location / {\n      proxy_pass http://flagmeter;\n      proxy_http_version 1.1;\n"
      << "      proxy_set_header Connection \"\";\n      proxy_next_upstream error timeout;\n"
      << "      proxy_connect_timeout 1s;\n    }\n  }\n}\n";
  out.close();
  if (!out) return Status::Internal("TestNginx: cannot write " + dir_ + "/nginx.conf");
  return Status::Ok();
}

Status TestNginx::Start() {
  if (pid_ > 0) return Status::Ok();
  const std::string binary = NginxBinary();
  if (access(binary.c_str(), X_OK) != 0) {
    return Status::Unavailable("TestNginx: no " + binary + " (Debian: apt-get install nginx; or set FLAGMETER_TEST_NGINX)");
  }
  if (Status written = WriteConfig(); !written.ok()) return written;
  std::vector<std::string> args{binary, "-p", dir_, "-c", dir_ + "/nginx.conf"};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(126);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  if (pid < 0) return Status::Internal(std::string("TestNginx: fork: ") + std::strerror(errno));
  pid_ = pid;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kReadyTimeoutMs);
  while (std::chrono::steady_clock::now() < deadline) {
    int wstatus = 0;
    if (waitpid(pid_, &wstatus, WNOHANG) == pid_) {
      pid_ = -1;
      return Status::Unavailable("TestNginx: nginx exited during start-up (status " + std::to_string(wstatus) +
                                 "); error log:\n" + ErrorLogTail());
    }
    if (AcceptsConnections(port_)) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Status::Unavailable("TestNginx: nothing listens on port " + std::to_string(port_) + " after " +
                             std::to_string(kReadyTimeoutMs) + " ms; error log:\n" + ErrorLogTail());
}

std::string TestNginx::ErrorLogTail() const {
  std::ifstream in(dir_ + "/error.log");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  constexpr std::size_t kTail = 4000;
  return text.size() > kTail ? text.substr(text.size() - kTail) : text;
}

}  // namespace flagmeter::test
