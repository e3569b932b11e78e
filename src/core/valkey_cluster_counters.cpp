#include "flagmeter/core/valkey_cluster_counters.hpp"

namespace flagmeter {

ValkeyClusterCounters& ValkeyClusterCounters::Get() {
  static ValkeyClusterCounters counters;
  return counters;
}

ValkeyClusterCounters::Snapshot ValkeyClusterCounters::Read() const {
  Snapshot snapshot;
  snapshot.moved = moved_.load(std::memory_order_relaxed);
  snapshot.ask = ask_.load(std::memory_order_relaxed);
  snapshot.tryagain = tryagain_.load(std::memory_order_relaxed);
  snapshot.clusterdown = clusterdown_.load(std::memory_order_relaxed);
  snapshot.slot_map_refreshes = slot_map_refreshes_.load(std::memory_order_relaxed);
  return snapshot;
}

}  // namespace flagmeter
