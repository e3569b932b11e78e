#pragma once

#include <atomic>
#include <cstdint>

namespace flagmeter {

/// Process-wide counts of what Valkey Cluster routing had to do: redirects
/// followed and slot-map refreshes. Every cluster-mode ValkeyConnection adds
/// to the one instance; Metrics renders it at scrape time as
/// flagmeter_valkey_redirects_total{kind} and
/// flagmeter_valkey_slot_map_refreshes_total. It lives in core so that
/// metrics need not depend on the queue layer. Thread-safe (relaxed atomics:
/// the counts are independent and only ever read as a snapshot for export).
class ValkeyClusterCounters final {
 public:
  struct Snapshot {
    std::uint64_t moved = 0;        // MOVED answers followed
    std::uint64_t ask = 0;          // ASK answers followed (ASKING sent)
    std::uint64_t tryagain = 0;     // TRYAGAIN answers waited out and retried
    std::uint64_t clusterdown = 0;  // CLUSTERDOWN answers waited out and retried
    std::uint64_t slot_map_refreshes = 0;  // CLUSTER SLOTS answers applied
  };

  /// The process's one instance.
  static ValkeyClusterCounters& Get();

  void CountMoved() { moved_.fetch_add(1, std::memory_order_relaxed); }
  void CountAsk() { ask_.fetch_add(1, std::memory_order_relaxed); }
  void CountTryAgain() { tryagain_.fetch_add(1, std::memory_order_relaxed); }
  void CountClusterDown() { clusterdown_.fetch_add(1, std::memory_order_relaxed); }
  void CountSlotMapRefresh() { slot_map_refreshes_.fetch_add(1, std::memory_order_relaxed); }

  Snapshot Read() const;

 private:
  std::atomic<std::uint64_t> moved_{0};
  std::atomic<std::uint64_t> ask_{0};
  std::atomic<std::uint64_t> tryagain_{0};
  std::atomic<std::uint64_t> clusterdown_{0};
  std::atomic<std::uint64_t> slot_map_refreshes_{0};
};

}  // namespace flagmeter
