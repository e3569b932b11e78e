#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "flagmeter/config/config.hpp"
#include "flagmeter/core/mutex.hpp"
#include "flagmeter/core/thread_health.hpp"
#include "flagmeter/queue/event_sink.hpp"
#include "flagmeter/queue/valkey_connection.hpp"

namespace flagmeter {

/// The producer side of the Valkey queue: appends encoded events to the tail
/// of the list `QueueConfig::name`, or with QUEUE_SHARDS > 1 to the list of
/// the shard of each event's tenant (queue_shards.hpp).
///
/// Push() only records the request and wakes the pusher thread, so it is safe
/// on an I/O thread. The pusher thread takes every request pending at that
/// moment (up to kMaxEventsPerRoundTrip events) and queues them with one Lua
/// script call, so one round trip serves many requests. The script checks the
/// depth bound per request: a request is queued whole when the list would stay
/// at or under `max_depth`, and rejected whole (Overloaded) otherwise.
///
/// Sharded (QUEUE_SHARDS > 1): a request is split by shard and each part is
/// queued by its shard's script, one round trip per shard with pending
/// events, against the shard's bound (ShardMaxDepth). The request answers Ok
/// only when every part was queued; otherwise it gets the first failure, and
/// the parts already queued stay queued (a client's retry with the same ids
/// is counted once).
///
/// Under load (the last call carried kBusyRoundTripEvents or more) the
/// pusher waits up to PUSH_LINGER_US before a call, or until
/// kLingerUntilEvents events are pending, so that each call carries more
/// events; a request arriving alone is pushed at once.
///
/// With VALKEY_MIN_REPLICAS_ACK=N > 0, each successful script call is
/// followed by WAIT N on the same connection; when fewer than N replicas
/// confirm within VALKEY_REPLICA_ACK_TIMEOUT_MS, that call's requests answer
/// Unavailable although their events were written to the master.
///
/// When Valkey cannot be reached, callbacks get Unavailable; the connection is
/// re-established on a later round, and while a reconnect has just failed
/// requests fail fast without a new attempt (see ValkeyConnection). If the
/// connection breaks after the script was sent, its outcome is unknown: the
/// events may be queued although the callback says Unavailable. A client's
/// retry then queues them again, which is harmless because the store counts
/// each (tenant, event id) once.
///
/// Threads: owns one pusher thread, created by Start() and joined by Stop()
/// (or the destructor). Callbacks run on that thread, outside any lock; they
/// must not throw nor block for long (post the answer to the session's
/// strand). Push() called after Stop(), or while kMaxPendingEvents are
/// already waiting, answers on the caller's thread.
/// Thread-safe.
class ValkeyPusher final : public EventSink {
 public:
  /// Events sent in one script call, at most (a single larger request is
  /// still sent whole).
  static constexpr std::size_t kMaxEventsPerRoundTrip = 10000;

  /// The pusher lingers (PUSH_LINGER_US) only after a call that carried at
  /// least this many events: requests are then arriving faster than calls.
  static constexpr std::size_t kBusyRoundTripEvents = 8;

  /// A lingering pusher calls as soon as this many events are pending: from
  /// there on a call's fixed cost is a small share of each event's.
  static constexpr std::size_t kLingerUntilEvents = 64;

  /// Events waiting for the pusher thread, at most: beyond it Push() answers
  /// Overloaded at once, so a slow Valkey cannot make memory grow unbounded.
  static constexpr std::size_t kMaxPendingEvents = 200000;

  /// `health` (may be null) counts the pusher thread and its restarts.
  explicit ValkeyPusher(QueueConfig config, ThreadHealth* health = nullptr);
  ~ValkeyPusher() override;
  ValkeyPusher(const ValkeyPusher&) = delete;
  ValkeyPusher& operator=(const ValkeyPusher&) = delete;

  /// Starts the pusher thread. Call once.
  void Start();

  /// Refuses new pushes, completes those already pending (each callback is
  /// called), and joins the pusher thread. Blocking. Idempotent.
  void Stop();

  /// Never blocks. See EventSink.
  void Push(std::vector<std::string> encoded_events, Callback done) override;

  /// The length of the list the last successful script call pushed to; -1
  /// before one.
  std::int64_t last_known_depth() const { return last_known_depth_.load(std::memory_order_relaxed); }

  /// Script calls made so far (successful or not); for tests and debugging.
  std::uint64_t round_trips() const { return round_trips_.load(std::memory_order_relaxed); }

  /// One shard's keys.
  struct Shard {
    std::string name;          // the list, and the prefix of its other keys
    std::string sequence_key;  // <name>:seq, the acceptance counter (see lua_scripts.cpp)
  };

 private:
  struct Request {
    std::vector<std::string> events;
    Callback done;
  };

  /// The events of one request that go to one shard: all of them when
  /// `indexes` is empty, else those at `indexes`.
  struct Part {
    std::size_t request;
    std::vector<std::uint32_t> indexes;
    std::size_t size;
  };

  void Run();
  std::vector<Request> TakeBatch() FM_EXCLUDES(mu_);
  std::vector<Status> PushBatch(const std::vector<Request>& batch);
  void PushToShard(std::size_t shard, const std::vector<Request>& batch, const std::vector<Part>& parts,
                   std::vector<Status>& results);
  std::vector<Status> Interpret(const std::string& shard, const std::vector<Part>& parts, const ValkeyReply& reply);
  void AwaitReplicas(const std::string& shard, std::vector<Status>& outcome);
  std::string DepthBoundText() const;
  static void Fail(Status& result, Status part);

  // Constant after construction.
  const QueueConfig config_;
  const std::vector<Shard> shards_;
  const std::int64_t max_depth_;  // per shard
  ThreadHealth* const health_;

  // Used only by the pusher thread.
  ValkeyConnection connection_;

  Mutex mu_;
  CondVar wake_;
  std::vector<Request> pending_ FM_GUARDED_BY(mu_);
  std::size_t pending_events_ FM_GUARDED_BY(mu_) = 0;  // events in pending_
  std::size_t last_round_trip_events_ FM_GUARDED_BY(mu_) = 0;  // events the pusher took last
  bool stopping_ FM_GUARDED_BY(mu_) = false;
  bool started_ FM_GUARDED_BY(mu_) = false;

  std::thread thread_ FM_GUARDED_BY(mu_);
  std::atomic<std::int64_t> last_known_depth_{-1};
  std::atomic<std::uint64_t> round_trips_{0};
};

}  // namespace flagmeter
