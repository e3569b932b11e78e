#include "support/test_valkey_cluster.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace flagmeter::test {
namespace {

constexpr int kClusterBusOffset = 10000;
constexpr int kSlotCount = 16384;

bool CanBind(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

// A node port must leave room for its cluster bus (port + 10000 <= 65535)
// and both must be free. Another process may still take them before the
// server binds; Start() then fails with the server's log.
std::vector<int> PickNodePorts(int count) {
  std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> pick(20000, 45000);
  std::vector<int> ports;
  for (int tries = 0; static_cast<int>(ports.size()) < count && tries < 10000; ++tries) {
    const int port = pick(random);
    bool clash = false;
    for (int taken : ports) clash = clash || std::abs(taken - port) == kClusterBusOffset || taken == port;
    if (!clash && CanBind(port) && CanBind(port + kClusterBusOffset)) ports.push_back(port);
  }
  if (static_cast<int>(ports.size()) < count) throw std::runtime_error("TestValkeyCluster: no free port pairs");
  return ports;
}

// valkey-cli or redis-cli next to the server binary, else from PATH.
std::string FindCli() {
  std::string dir;
  if (const char* server = std::getenv("FLAGMETER_TEST_VALKEY_SERVER"); server && *server) {
    const std::string path(server);
    dir = path.substr(0, path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  }
  for (const char* name : {"valkey-cli", "redis-cli"}) {
    if (!dir.empty() && access((dir + name).c_str(), X_OK) == 0) return dir + name;
  }
  for (const char* name : {"/usr/bin/valkey-cli", "/usr/bin/redis-cli", "/usr/local/bin/valkey-cli"}) {
    if (access(name, X_OK) == 0) return name;
  }
  return "redis-cli";
}

std::string Quote(const std::string& arg) {
  std::string out = "'";
  for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string InfoField(const std::string& info, const std::string& name) {
  std::istringstream lines(info);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind(name + ":", 0) == 0) return line.substr(name.size() + 1);
  }
  return "";
}

std::string Itoa(long long value) { return std::to_string(value); }

}  // namespace

TestValkeyCluster::TestValkeyCluster() : cli_(FindCli()) {
  for (int port : PickNodePorts(kNodes)) {
    nodes_.push_back(std::make_unique<TestValkey>(TestValkey::Options{
        .port = port,
        .extra_args = {"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout",
                       std::to_string(kNodeTimeoutMs)}}));
  }
  ids_.resize(kNodes);
}

TestValkeyCluster::~TestValkeyCluster() {
  for (auto& node : nodes_) node->Kill();
}

Status TestValkeyCluster::Start() {
  for (int node = 0; node < kNodes; ++node) {
    if (Status started = nodes_[node]->Start(); !started.ok()) return started;
  }
  std::vector<std::string> args{"--cluster", "create"};
  for (int node = 0; node < kNodes; ++node) args.push_back("127.0.0.1:" + std::to_string(port(node)));
  for (const char* arg : {"--cluster-replicas", "1", "--cluster-yes"}) args.push_back(arg);
  if (Status created = RunCli(args); !created.ok()) return created;
  for (int node = 0; node < kNodes; ++node) {
    Result<ValkeyReply> id = Command(node, {"CLUSTER", "MYID"});
    if (!id.ok()) return id.status().WithContext("TestValkeyCluster: CLUSTER MYID");
    ids_[node] = id->str;
  }
  return WaitUntilHealthy();
}

std::string TestValkeyCluster::url() const {
  std::string url = "redis+cluster://";
  for (int node = 0; node < kNodes; ++node) url += (node == 0 ? "" : ",") + std::string("127.0.0.1:") + Itoa(port(node));
  return url;
}

ValkeyEndpoint TestValkeyCluster::endpoint() const {
  ValkeyEndpoint endpoint;
  for (int node = 0; node < kNodes; ++node) endpoint.cluster_seeds.push_back({"127.0.0.1", port(node)});
  endpoint.host = "127.0.0.1";
  endpoint.port = port(0);
  return endpoint;
}

int TestValkeyCluster::port(int node) const { return nodes_.at(static_cast<std::size_t>(node))->port(); }

int TestValkeyCluster::NodeOfPort(int port) const {
  for (int node = 0; node < kNodes; ++node) {
    if (this->port(node) == port) return node;
  }
  return -1;
}

bool TestValkeyCluster::running(int node) const { return nodes_.at(static_cast<std::size_t>(node))->running(); }

Result<ValkeyReply> TestValkeyCluster::Command(int node, const std::vector<std::string_view>& args) {
  return nodes_.at(static_cast<std::size_t>(node))->Command(args);
}

namespace {

// Slot -> node per one node's CLUSTER SLOTS; empty on any error.
std::vector<int> SlotOwners(TestValkeyCluster& cluster, int asked) {
  Result<ValkeyReply> slots = cluster.Command(asked, {"CLUSTER", "SLOTS"});
  if (!slots.ok() || slots->type != ValkeyReply::Type::kArray) return {};
  std::vector<int> owners(kSlotCount, -1);
  for (const ValkeyReply& range : slots->elements) {
    if (range.elements.size() < 3 || range.elements[2].elements.size() < 2) return {};
    const int node = cluster.NodeOfPort(static_cast<int>(range.elements[2].elements[1].integer));
    for (auto slot = range.elements[0].integer; slot <= range.elements[1].integer; ++slot) {
      owners[static_cast<std::size_t>(slot)] = node;
    }
  }
  return owners;
}

}  // namespace

int TestValkeyCluster::MasterOfSlot(int slot) {
  for (int node = 0; node < kNodes; ++node) {
    if (!running(node)) continue;
    const std::vector<int> owners = SlotOwners(*this, node);
    if (!owners.empty()) return owners[static_cast<std::size_t>(slot)];
  }
  return -1;
}

std::vector<int> TestValkeyCluster::Masters() {
  for (int node = 0; node < kNodes; ++node) {
    if (!running(node)) continue;
    const std::vector<int> owners = SlotOwners(*this, node);
    if (owners.empty()) continue;
    std::vector<int> masters;
    for (int owner : owners) {
      if (owner >= 0 && std::find(masters.begin(), masters.end(), owner) == masters.end()) masters.push_back(owner);
    }
    std::sort(masters.begin(), masters.end());
    return masters;
  }
  return {};
}

std::vector<int> TestValkeyCluster::ReplicasOf(int master) {
  std::vector<int> replicas;
  for (int node = 0; node < kNodes; ++node) {
    if (node == master || !running(node)) continue;
    Result<ValkeyReply> info = Command(node, {"INFO", "replication"});
    if (info.ok() && InfoField(info->str, "role") == "slave" &&
        InfoField(info->str, "master_port") == Itoa(port(master))) {
      replicas.push_back(node);
    }
  }
  return replicas;
}

std::string TestValkeyCluster::ClusterState(int node) {
  Result<ValkeyReply> info = Command(node, {"CLUSTER", "INFO"});
  return info.ok() ? InfoField(info->str, "cluster_state") : "";
}

void TestValkeyCluster::Kill(int node) { nodes_.at(static_cast<std::size_t>(node))->Kill(); }

Status TestValkeyCluster::Restart(int node) { return nodes_.at(static_cast<std::size_t>(node))->Start(); }

Status TestValkeyCluster::StopAll() {
  Status first;
  for (auto& node : nodes_) {
    if (Status stopped = node->Stop(); !stopped.ok() && first.ok()) first = stopped;
  }
  return first;
}

Status TestValkeyCluster::StartAll() {
  for (int node = 0; node < kNodes; ++node) {
    if (Status started = Restart(node); !started.ok()) return started;
  }
  return WaitUntilHealthy();
}

Status TestValkeyCluster::WaitUntilHealthy(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string last = "not checked yet";
  while (std::chrono::steady_clock::now() < deadline) {
    last.clear();
    std::vector<int> agreed;
    for (int node = 0; node < kNodes && last.empty(); ++node) {
      if (!running(node)) continue;
      Result<ValkeyReply> info = Command(node, {"CLUSTER", "INFO"});
      if (!info.ok()) {
        last = "node " + Itoa(node) + ": " + info.status().message();
        break;
      }
      if (InfoField(info->str, "cluster_state") != "ok" || InfoField(info->str, "cluster_slots_assigned") != "16384" ||
          InfoField(info->str, "cluster_known_nodes") != Itoa(kNodes)) {
        last = "node " + Itoa(node) + " says state " + InfoField(info->str, "cluster_state") + ", slots assigned " +
               InfoField(info->str, "cluster_slots_assigned") + ", known nodes " +
               InfoField(info->str, "cluster_known_nodes");
        break;
      }
      const std::vector<int> owners = SlotOwners(*this, node);
      if (owners.empty() || (!agreed.empty() && owners != agreed)) {
        last = "node " + Itoa(node) + " disagrees on the slot map";
        break;
      }
      agreed = owners;
      for (int owner : owners) {
        if (owner < 0 || !running(owner)) {
          last = "a slot's master (node " + Itoa(owner) + ") is not running";
          break;
        }
      }
      if (!last.empty()) break;
      // A replica must be in sync: failovers and WAIT depend on it.
      if (std::find(owners.begin(), owners.end(), node) == owners.end()) {
        Result<ValkeyReply> replication = Command(node, {"INFO", "replication"});
        if (!replication.ok() || InfoField(replication->str, "master_link_status") != "up") {
          last = "replica node " + Itoa(node) + " is not linked to its master yet";
        }
      }
    }
    if (last.empty()) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Status::Unavailable("TestValkeyCluster: not healthy within " + Itoa(timeout_ms) + " ms: " + last);
}

Status TestValkeyCluster::WaitForNewMaster(int slot, int old_master, int timeout_ms) {
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    const int master = MasterOfSlot(slot);
    if (master >= 0 && master != old_master && running(master)) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      return WaitUntilHealthy(static_cast<int>(std::max<long long>(left.count(), 1)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Status::Unavailable("TestValkeyCluster: slot " + Itoa(slot) + " still has no new master (was node " +
                             Itoa(old_master) + ") after " + Itoa(timeout_ms) + " ms");
}

Status TestValkeyCluster::BeginSlotMigration(int slot, int to) {
  const int from = MasterOfSlot(slot);
  if (from < 0 || from == to) return Status::FailedPrecondition("TestValkeyCluster: slot " + Itoa(slot) + " is on node " + Itoa(from));
  const std::string slot_text = Itoa(slot);
  if (auto r = Command(to, {"CLUSTER", "SETSLOT", slot_text, "IMPORTING", NodeId(from)}); !r.ok()) return r.status();
  if (auto r = Command(from, {"CLUSTER", "SETSLOT", slot_text, "MIGRATING", NodeId(to)}); !r.ok()) return r.status();
  return Status::Ok();
}

Status TestValkeyCluster::MigrateKey(int slot, int to, std::string_view key) {
  const int from = MasterOfSlot(slot);
  const std::string to_port = Itoa(port(to));
  auto reply = Command(from, {"MIGRATE", "127.0.0.1", to_port, key, "0", "5000"});
  return reply.ok() ? Status::Ok() : reply.status();
}

Status TestValkeyCluster::MigrateAllKeys(int slot, int from, int to) {
  const std::string slot_text = Itoa(slot);
  const std::string to_port = Itoa(port(to));
  while (true) {
    auto keys = Command(from, {"CLUSTER", "GETKEYSINSLOT", slot_text, "100"});
    if (!keys.ok()) return keys.status();
    if (keys->elements.empty()) return Status::Ok();
    std::vector<std::string_view> args{"MIGRATE", "127.0.0.1", to_port, "", "0", "5000", "KEYS"};
    for (const ValkeyReply& key : keys->elements) args.push_back(key.str);
    if (auto moved = Command(from, args); !moved.ok()) return moved.status();
  }
}

Status TestValkeyCluster::FinishSlotMigration(int slot, int to) {
  const int from = MasterOfSlot(slot);
  const std::string slot_text = Itoa(slot);
  std::vector<int> order{to};
  if (from >= 0 && from != to) order.push_back(from);
  for (int master : Masters()) {
    if (std::find(order.begin(), order.end(), master) == order.end()) order.push_back(master);
  }
  for (int node : order) {
    auto r = Command(node, {"CLUSTER", "SETSLOT", slot_text, "NODE", NodeId(to)});
    if (!r.ok()) return r.status().WithContext("TestValkeyCluster: SETSLOT NODE on node " + Itoa(node));
  }
  return Status::Ok();
}

Status TestValkeyCluster::MoveSlot(int slot, int to) {
  const int from = MasterOfSlot(slot);
  if (Status begun = BeginSlotMigration(slot, to); !begun.ok()) return begun;
  if (Status migrated = MigrateAllKeys(slot, from, to); !migrated.ok()) return migrated;
  return FinishSlotMigration(slot, to);
}

Status TestValkeyCluster::Reshard(int from, int to, int count) {
  return RunCli({"--cluster", "reshard", "127.0.0.1:" + Itoa(port(from)), "--cluster-from", NodeId(from),
                 "--cluster-to", NodeId(to), "--cluster-slots", Itoa(count), "--cluster-yes"});
}

Status TestValkeyCluster::RunCli(const std::vector<std::string>& args, std::string* output) const {
  std::string command = Quote(cli_);
  for (const std::string& arg : args) command += " " + Quote(arg);
  command += " 2>&1 </dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return Status::Internal("TestValkeyCluster: popen " + cli_);
  std::string text;
  std::array<char, 4096> chunk{};
  while (std::size_t n = std::fread(chunk.data(), 1, chunk.size(), pipe)) text.append(chunk.data(), n);
  const int status = ::pclose(pipe);
  if (output != nullptr) *output = text;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status::Ok();
  return Status::Internal("TestValkeyCluster: `" + command + "` failed (status " + Itoa(status) + "):\n" + text);
}

}  // namespace flagmeter::test
