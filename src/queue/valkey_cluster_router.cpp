#include "queue/valkey_cluster_router.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <thread>
#include <utility>

#include "flagmeter/core/valkey_cluster_counters.hpp"
#include "queue/cluster_slots.hpp"

namespace flagmeter {
namespace {

bool StartsWith(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

std::string Describe(const ValkeyNodeAddress& address) { return address.host + ":" + std::to_string(address.port); }

std::string DescribeSeeds(const std::vector<ValkeyNodeAddress>& seeds) {
  std::string out = "valkey cluster ";
  for (std::size_t i = 0; i < seeds.size(); ++i) out += (i == 0 ? "" : ",") + Describe(seeds[i]);
  return out;
}

// A cluster's answer that says where to go or to come back later.
struct Redirect {
  enum class Kind { kNone, kMoved, kAsk, kTryAgain, kClusterDown };
  Kind kind = Kind::kNone;
  int slot = -1;
  ValkeyNodeAddress target;
};

// "MOVED 3999 127.0.0.1:6381", "ASK 3999 127.0.0.1:6381" (an empty host
// means the host of the node that answered), "TRYAGAIN ...", "CLUSTERDOWN ...".
Redirect ParseRedirect(std::string_view error, const ValkeyNodeAddress& answered_by) {
  Redirect redirect;
  if (StartsWith(error, "TRYAGAIN")) redirect.kind = Redirect::Kind::kTryAgain;
  if (StartsWith(error, "CLUSTERDOWN")) redirect.kind = Redirect::Kind::kClusterDown;
  const bool moved = StartsWith(error, "MOVED ");
  if (!moved && !StartsWith(error, "ASK ")) return redirect;
  const std::string_view rest = error.substr(moved ? 6 : 4);
  const std::size_t space = rest.find(' ');
  const std::string_view address = space == std::string_view::npos ? "" : rest.substr(space + 1);
  const std::size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return redirect;
  int slot = -1;
  int port = 0;
  const std::string_view port_text = address.substr(colon + 1);
  if (std::from_chars(rest.data(), rest.data() + space, slot).ec != std::errc() ||
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port).ec != std::errc()) {
    return redirect;
  }
  redirect.kind = moved ? Redirect::Kind::kMoved : Redirect::Kind::kAsk;
  redirect.slot = slot;
  redirect.target.host = colon == 0 ? answered_by.host : std::string(address.substr(0, colon));
  redirect.target.port = port;
  return redirect;
}

// The slot a command is routed by: args[1]'s (every keyed command we send
// has its key first), none for a keyless one.
std::optional<int> SlotOfCommand(const std::vector<std::string_view>& args) {
  if (args.size() < 2 || IsKeylessCommand(args[0])) return std::nullopt;
  return ClusterKeySlot(args[1]);
}

}  // namespace

ValkeyClusterRouter::ValkeyClusterRouter(ValkeyEndpoint endpoint, int connect_timeout_ms, int command_timeout_ms,
                                         int reconnect_backoff_ms)
    : endpoint_(std::move(endpoint)),
      connect_timeout_ms_(connect_timeout_ms),
      command_timeout_ms_(command_timeout_ms),
      reconnect_backoff_ms_(reconnect_backoff_ms),
      description_(DescribeSeeds(endpoint_.cluster_seeds)),
      slot_owner_(kClusterSlotCount, nullptr) {}

ValkeyClusterRouter::~ValkeyClusterRouter() = default;

void ValkeyClusterRouter::Disconnect() {
  for (auto& node : nodes_) node->connection->Disconnect();
}

bool ValkeyClusterRouter::connected() const { return last_node_ != nullptr && last_node_->connection->connected(); }

ValkeyClusterRouter::Node& ValkeyClusterRouter::NodeAt(const ValkeyNodeAddress& address) {
  for (auto& node : nodes_) {
    if (node->address == address) return *node;
  }
  ValkeyEndpoint single;
  single.host = address.host;
  single.port = address.port;
  single.password = endpoint_.password;
  auto node = std::make_unique<Node>();
  node->address = address;
  node->connection = std::make_unique<ValkeyNodeConnection>(std::move(single), connect_timeout_ms_,
                                                            command_timeout_ms_, reconnect_backoff_ms_);
  nodes_.push_back(std::move(node));
  return *nodes_.back();
}

Status ValkeyClusterRouter::EnsureSlotMap() {
  if (!slot_map_stale_) return Status::Ok();
  return RefreshSlotMap();
}

// Asks the masters of the current map first (they are the likeliest to be
// up), then every other node met, then the seeds; the first valid answer
// wins.
Status ValkeyClusterRouter::RefreshSlotMap() {
  std::vector<ValkeyNodeAddress> candidates;
  auto add = [&candidates](const ValkeyNodeAddress& address) {
    if (std::find(candidates.begin(), candidates.end(), address) == candidates.end()) candidates.push_back(address);
  };
  for (Node* owner : slot_owner_) {
    if (owner != nullptr) add(owner->address);
  }
  for (const auto& node : nodes_) add(node->address);
  for (const ValkeyNodeAddress& seed : endpoint_.cluster_seeds) add(seed);

  std::string problems;
  for (const ValkeyNodeAddress& address : candidates) {
    ValkeyNodeConnection& connection = *NodeAt(address).connection;
    Result<ValkeyReply> reply = connection.Command({"CLUSTER", "SLOTS"});
    Status applied = reply.ok() ? ApplySlots(*reply, address) : reply.status();
    if (applied.ok()) {
      ValkeyClusterCounters::Get().CountSlotMapRefresh();
      slot_map_stale_ = false;
      return Status::Ok();
    }
    problems += (problems.empty() ? "" : "; ") + applied.message();
  }
  return Status::Unavailable(description_ + ": no node gave a usable slot map (CLUSTER SLOTS): " + problems);
}

// CLUSTER SLOTS: [[start, end, [host, port, id...], replicas...], ...]. Only
// the master (the first node of each range) is kept.
Status ValkeyClusterRouter::ApplySlots(const ValkeyReply& reply, const ValkeyNodeAddress& asked) {
  const std::string context = "valkey " + Describe(asked) + ": CLUSTER SLOTS: ";
  if (reply.type != ValkeyReply::Type::kArray || reply.elements.empty()) {
    return Status::Unavailable(context + "no slot is assigned (is the cluster created?)");
  }
  std::vector<Node*> owners(kClusterSlotCount, nullptr);
  for (const ValkeyReply& range : reply.elements) {
    if (range.type != ValkeyReply::Type::kArray || range.elements.size() < 3 ||
        range.elements[2].type != ValkeyReply::Type::kArray || range.elements[2].elements.size() < 2) {
      return Status::Internal(context + "unexpected reply shape");
    }
    const auto& master = range.elements[2].elements;
    const std::int64_t first = range.elements[0].integer;
    const std::int64_t last = range.elements[1].integer;
    if (first < 0 || last >= kClusterSlotCount || first > last || master[0].str == "?") continue;
    // An empty host means "the host you asked".
    Node& node = NodeAt({master[0].str.empty() ? asked.host : master[0].str, static_cast<int>(master[1].integer)});
    std::fill(owners.begin() + first, owners.begin() + last + 1, &node);
  }
  slot_owner_ = std::move(owners);
  return Status::Ok();
}

ValkeyClusterRouter::Node* ValkeyClusterRouter::PickNode(std::optional<int> slot) {
  if (slot) return slot_owner_[static_cast<std::size_t>(*slot)];
  if (last_node_ != nullptr) return last_node_;
  for (Node* owner : slot_owner_) {
    if (owner != nullptr) return owner;
  }
  return nullptr;
}

Status ValkeyClusterRouter::EnsureConnected() {
  if (Status map = EnsureSlotMap(); !map.ok()) return map;
  Node* node = PickNode(std::nullopt);
  if (node == nullptr) return Status::Unavailable(description_ + ": the slot map names no master");
  last_node_ = node;
  Status status = node->connection->EnsureConnected();
  if (!status.ok()) {
    slot_map_stale_ = true;
    last_node_ = nullptr;
  }
  return status;
}

template <typename T>
Result<T> ValkeyClusterRouter::Route(std::optional<int> slot, const std::string& label, const Attempt<T>& attempt,
                                     const NothingRan& nothing_ran) {
  CallState call;
  while (true) {
    if (Status map = EnsureSlotMap(); !map.ok()) return map.WithContext(label);
    Node* node = call.ask_target ? &NodeAt(*call.ask_target) : PickNode(slot);
    if (node == nullptr) {
      slot_map_stale_ = true;
      return Status::Unavailable(description_ + ": " + label + ": no master serves slot " +
                                 std::to_string(slot.value_or(-1)) + " in the slot map");
    }
    const bool asking = call.ask_target.has_value();
    call.ask_target.reset();
    last_node_ = node;
    Result<T> result = attempt(*node->connection, asking);
    if (result.ok()) return result;
    if (!node->connection->connected()) {
      // Refused, reset or timed out: the node may have failed over. Not
      // retried here (the call may have run); the next call re-reads the map.
      slot_map_stale_ = true;
      last_node_ = nullptr;
      return result;
    }
    if (nothing_ran && !nothing_ran(*node->connection)) return result;
    if (Status next = FollowAnswer(*node, result.status(), call); !next.ok()) return next;
  }
}

// Ok: try again (call.ask_target says where, when set); else the status the
// call ends with.
Status ValkeyClusterRouter::FollowAnswer(const Node& node, const Status& failure, CallState& call) {
  ValkeyClusterCounters& counters = ValkeyClusterCounters::Get();
  const Redirect redirect = ParseRedirect(node.connection->last_error_reply(), node.address);
  switch (redirect.kind) {
    case Redirect::Kind::kNone:
      return failure;
    case Redirect::Kind::kMoved:
      counters.CountMoved();
      // The whole map may have changed (a reshard, a failover); the MOVED
      // answer itself is the freshest word on this slot, so it wins. Done
      // even when the call gives up below: the next call goes right.
      if (Status refreshed = RefreshSlotMap(); !refreshed.ok()) {
        spdlog::warn("{}: slot map refresh after MOVED: {}", description_, refreshed.message());
      }
      slot_owner_[static_cast<std::size_t>(redirect.slot)] = &NodeAt(redirect.target);
      return CountRedirect(failure, call);
    case Redirect::Kind::kAsk:
      if (Status counted = CountRedirect(failure, call); !counted.ok()) return counted;
      counters.CountAsk();
      call.ask_target = redirect.target;
      return Status::Ok();
    case Redirect::Kind::kTryAgain:
    case Redirect::Kind::kClusterDown:
      if (call.paused_ms >= endpoint_.cluster_retry_budget_ms) {
        return Status::Unavailable(failure.message() + " (still so after retrying for " +
                                   std::to_string(call.paused_ms) + " ms, VALKEY_CLUSTER_RETRY_MS)");
      }
      if (redirect.kind == Redirect::Kind::kTryAgain) {
        counters.CountTryAgain();
      } else {
        counters.CountClusterDown();
        slot_map_stale_ = true;  // a failover may be under way
      }
      const int pause_ms = std::min(call.next_pause_ms, endpoint_.cluster_retry_budget_ms - call.paused_ms);
      std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
      call.paused_ms += pause_ms;
      call.next_pause_ms = std::min(call.next_pause_ms * 2, ValkeyConnection::kClusterMaxRetryPauseMs);
      return Status::Ok();
  }
  return failure;
}

Status ValkeyClusterRouter::CountRedirect(const Status& failure, CallState& call) const {
  if (++call.redirects <= endpoint_.cluster_max_redirects) return Status::Ok();
  return Status::Unavailable(failure.message() + " (gave up after " + std::to_string(endpoint_.cluster_max_redirects) +
                             " redirects, VALKEY_CLUSTER_MAX_REDIRECTS)");
}

Result<ValkeyReply> ValkeyClusterRouter::Command(const std::vector<std::string_view>& args) {
  const std::string label = args.empty() ? std::string("(empty command)") : std::string(args[0]);
  return Route<ValkeyReply>(SlotOfCommand(args), label, [&args](ValkeyNodeConnection& node, bool asking) {
    return node.Command(args, asking);
  });
}

Result<std::vector<ValkeyReply>> ValkeyClusterRouter::Pipeline(
    const std::vector<std::vector<std::string_view>>& commands) {
  const std::optional<int> slot = commands.empty() ? std::nullopt : SlotOfCommand(commands.front());
  // Redirected or retried only when nothing ran (every reply an error): a
  // partly run pipeline is the caller's to judge.
  return Route<std::vector<ValkeyReply>>(
      slot, "pipeline",
      [&commands](ValkeyNodeConnection& node, bool asking) { return node.Pipeline(commands, asking); },
      [](const ValkeyNodeConnection& node) { return node.every_reply_failed(); });
}

Result<ValkeyReply> ValkeyClusterRouter::Eval(const ValkeyScript& script, const std::vector<std::string_view>& keys,
                                              const std::vector<std::string_view>& args) {
  const std::optional<int> slot = keys.empty() ? std::nullopt : std::optional<int>(ClusterKeySlot(keys.front()));
  return Route<ValkeyReply>(slot, "script " + std::string(script.name),
                            [&](ValkeyNodeConnection& node, bool asking) { return node.Eval(script, keys, args, asking); });
}

}  // namespace flagmeter
