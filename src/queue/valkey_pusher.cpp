#include "flagmeter/queue/valkey_pusher.hpp"

#include <spdlog/spdlog.h>

#include <cassert>
#include <chrono>
#include <exception>
#include <utility>

#include "flagmeter/queue/event_codec.hpp"
#include "flagmeter/queue/queue_shards.hpp"
#include "queue/lua_scripts.hpp"

namespace flagmeter {

namespace {

std::vector<ValkeyPusher::Shard> MakeShards(const QueueConfig& config) {
  std::vector<ValkeyPusher::Shard> shards;
  for (std::string& name : ShardNames(config)) {
    std::string sequence_key = name + ":seq";
    shards.push_back(ValkeyPusher::Shard{std::move(name), std::move(sequence_key)});
  }
  return shards;
}

}  // namespace

ValkeyPusher::ValkeyPusher(QueueConfig config, ThreadHealth* health)
    : config_(std::move(config)),
      shards_(MakeShards(config_)),
      max_depth_(ShardMaxDepth(config_)),
      health_(health),
      connection_(config_.valkey, config_.connect_timeout_ms) {}

ValkeyPusher::~ValkeyPusher() { Stop(); }

void ValkeyPusher::Start() {
  MutexLock lock(mu_);
  if (started_ || stopping_) return;
  started_ = true;
  if (health_ != nullptr) health_->Expect(ThreadGroup::kPusher, 1);
  thread_ = StartSupervised(health_, ThreadGroup::kPusher, "fm-pusher", [this] { Run(); }, [this] {
    MutexLock lock(mu_);
    return stopping_;
  });
}

void ValkeyPusher::Stop() {
  std::thread thread;
  std::vector<Request> orphans;
  {
    MutexLock lock(mu_);
    stopping_ = true;
    thread = std::move(thread_);
    // Without a thread nobody would ever answer these.
    if (!started_) {
      orphans.swap(pending_);
      pending_events_ = 0;
    }
  }
  wake_.NotifyAll();
  if (thread.joinable()) thread.join();
  if (health_ != nullptr) health_->Expect(ThreadGroup::kPusher, 0);
  for (Request& request : orphans) {
    request.done(Status::Unavailable("valkey queue '" + config_.name + "': pusher stopped before it started"));
  }
}

void ValkeyPusher::Push(std::vector<std::string> encoded_events, Callback done) {
  std::size_t backlog = 0;
  bool stopping = false;
  bool queued = false;
  bool wake = false;
  {
    MutexLock lock(mu_);
    backlog = pending_events_;
    stopping = stopping_;
    if (!stopping && backlog < kMaxPendingEvents) {
      // The pusher waits for work only while nothing is pending: the request
      // that ends that wait wakes it, the ones queued behind it need not
      // (under load the pusher is busy with a round trip and finds them
      // there). A lingering pusher is woken once enough events wait (a
      // pusher busy with a round trip has no waiter to wake: a no-op).
      wake = pending_.empty() || (pending_events_ < kLingerUntilEvents &&
                                  pending_events_ + encoded_events.size() >= kLingerUntilEvents);
      pending_events_ += encoded_events.size();
      pending_.push_back(Request{std::move(encoded_events), std::move(done)});
      queued = true;
    }
  }
  if (wake) wake_.NotifyOne();  // after unlocking: the pusher takes the lock at once
  if (queued) return;
  if (!stopping) {
    done(Status::Overloaded("valkey queue '" + config_.name + "': " + std::to_string(backlog) +
                            " events are already waiting to be pushed; Valkey is not keeping up"));
    return;
  }
  done(Status::Unavailable("valkey queue '" + config_.name + "': shutting down, not accepting events"));
}

void ValkeyPusher::Run() {
  for (;;) {
    std::vector<Request> batch = TakeBatch();
    if (batch.empty()) return;  // stopping and nothing left to do
    std::vector<Status> results;
    try {
      results = PushBatch(batch);
    } catch (const std::exception& e) {
      // Each waiting request still gets its answer (a 500, never a 201);
      // the supervisor then restarts this loop.
      const Status failed = Status::Internal("valkey queue '" + config_.name + "': push failed: " + e.what());
      for (Request& request : batch) request.done(failed);
      throw;
    }
    for (std::size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(results[i]));
  }
}

std::vector<ValkeyPusher::Request> ValkeyPusher::TakeBatch() {
  MutexLock lock(mu_);
  wake_.Wait(mu_, [this]() FM_REQUIRES(mu_) { return stopping_ || !pending_.empty(); });
  // Each script call costs Valkey a fixed share (its read, the append-only
  // file's write, the reply, waking up) that a few events cannot amortise.
  // While the last call carried many events requests are arriving fast, so a
  // short wait gathers more; a lone request (the last call carried few) goes
  // at once.
  if (config_.push_linger_us > 0 && last_round_trip_events_ >= kBusyRoundTripEvents &&
      pending_events_ < kLingerUntilEvents && !stopping_) {
    wake_.WaitFor(mu_, std::chrono::microseconds(config_.push_linger_us),
                  [this]() FM_REQUIRES(mu_) { return stopping_ || pending_events_ >= kLingerUntilEvents; });
  }
  std::vector<Request> batch;
  std::size_t events = 0;
  std::size_t taken = 0;
  // Always take the first request, however large, so a big one cannot stall.
  while (taken < pending_.size() &&
         (taken == 0 || events + pending_[taken].events.size() <= kMaxEventsPerRoundTrip)) {
    events += pending_[taken].events.size();
    ++taken;
  }
  // Push adds each request's events to pending_events_ as it queues it, and
  // only this and Stop (emptying pending_ too) take them off.
  assert(events <= pending_events_);
  pending_events_ -= events;
  last_round_trip_events_ = events;
  batch.reserve(taken);
  std::move(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(taken), std::back_inserter(batch));
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(taken));
  return batch;
}

std::vector<Status> ValkeyPusher::PushBatch(const std::vector<Request>& batch) {
  std::vector<Status> results(batch.size());
  if (shards_.size() == 1) {
    std::vector<Part> parts;
    parts.reserve(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) parts.push_back(Part{i, {}, batch[i].events.size()});
    PushToShard(0, batch, parts, results);
    return results;
  }
  // Each request is split by the shard of each event's tenant; a request
  // succeeds only when every part of it does.
  std::vector<std::vector<Part>> by_shard(shards_.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const std::vector<std::string>& events = batch[i].events;
    for (std::uint32_t e = 0; e < events.size(); ++e) {
      const std::size_t shard = ShardOfTenant(TenantOfEncodedEvent(events[e]), shards_.size());
      std::vector<Part>& parts = by_shard[shard];
      if (parts.empty() || parts.back().request != i) parts.push_back(Part{i, {}, 0});
      parts.back().indexes.push_back(e);
      ++parts.back().size;
    }
  }
  for (std::size_t shard = 0; shard < shards_.size(); ++shard) {
    if (!by_shard[shard].empty()) PushToShard(shard, batch, by_shard[shard], results);
  }
  return results;
}

void ValkeyPusher::PushToShard(std::size_t shard, const std::vector<Request>& batch, const std::vector<Part>& parts,
                               std::vector<Status>& results) {
  const Shard& target = shards_[shard];
  const std::string max_depth = std::to_string(max_depth_);
  const std::string groups = std::to_string(parts.size());
  std::vector<std::string> sizes;
  sizes.reserve(parts.size());
  std::size_t total = 0;
  for (const Part& part : parts) {
    sizes.push_back(std::to_string(part.size));
    total += part.size;
  }
  std::vector<std::string_view> args{max_depth, groups};
  args.reserve(2 + sizes.size() + total);
  args.insert(args.end(), sizes.begin(), sizes.end());
  for (const Part& part : parts) {
    const std::vector<std::string>& events = batch[part.request].events;
    if (part.indexes.empty()) {
      args.insert(args.end(), events.begin(), events.end());
    } else {
      for (std::uint32_t e : part.indexes) args.push_back(events[e]);
    }
  }

  const bool was_connected = connection_.connected();
  round_trips_.fetch_add(1, std::memory_order_relaxed);
  auto reply = connection_.Eval(lua::kPush, {target.name, target.sequence_key}, args);
  if (!reply.ok() && was_connected && !connection_.connected()) {
    // The connection broke (a server restart, an idle timeout on its side).
    // Try once more on a fresh one rather than fail requests while Valkey
    // may be fine. If the first call did run, its events are queued twice;
    // the store counts each (tenant, event id) once.
    round_trips_.fetch_add(1, std::memory_order_relaxed);
    reply = connection_.Eval(lua::kPush, {target.name, target.sequence_key}, args);
  }
  if (!reply.ok()) {
    const Status failed = reply.status().WithContext("valkey queue '" + target.name + "': push");
    for (const Part& part : parts) Fail(results[part.request], failed);
    return;
  }
  std::vector<Status> outcome = Interpret(target.name, parts, *reply);
  if (config_.min_replicas_ack > 0) AwaitReplicas(target.name, outcome);
  for (std::size_t i = 0; i < parts.size(); ++i) Fail(results[parts[i].request], std::move(outcome[i]));
}

void ValkeyPusher::Fail(Status& result, Status part) {
  if (result.ok() && !part.ok()) result = std::move(part);
}

void ValkeyPusher::AwaitReplicas(const std::string& shard, std::vector<Status>& outcome) {
  bool any_queued = false;
  for (const Status& status : outcome) any_queued = any_queued || status.ok();
  if (!any_queued) return;
  const std::string wanted = std::to_string(config_.min_replicas_ack);
  const std::string timeout = std::to_string(config_.replica_ack_timeout_ms);
  // Keyless: on a cluster it goes to the node the push script just ran on.
  auto reply = connection_.Command({"WAIT", wanted, timeout});
  std::string problem;
  if (!reply.ok()) {
    problem = "WAIT failed: " + reply.status().ToString();
  } else if (reply->integer < config_.min_replicas_ack) {
    problem = "only " + std::to_string(reply->integer) + " of VALKEY_MIN_REPLICAS_ACK=" + wanted +
              " replicas confirmed them within " + timeout + " ms";
  }
  if (problem.empty()) return;
  const Status unconfirmed = Status::Unavailable(
      "valkey queue '" + shard + "': the events were written to the master but " + problem +
      "; a retry with the same ids is counted once");
  for (Status& status : outcome) {
    if (status.ok()) status = unconfirmed;
  }
}

std::vector<Status> ValkeyPusher::Interpret(const std::string& shard, const std::vector<Part>& parts,
                                            const ValkeyReply& reply) {
  if (reply.type != ValkeyReply::Type::kArray || reply.elements.size() != parts.size() + 1) {
    const Status bad =
        Status::Internal(connection_.description() + ": push script on '" + shard + "': unexpected reply shape");
    spdlog::error("{}", bad.message());
    return std::vector<Status>(parts.size(), bad);
  }
  const std::int64_t depth = reply.elements[0].integer;
  last_known_depth_.store(depth, std::memory_order_relaxed);
  std::vector<Status> results;
  results.reserve(parts.size());
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (reply.elements[i + 1].integer == 1) {
      results.push_back(Status::Ok());
      continue;
    }
    results.push_back(Status::Overloaded("valkey queue '" + shard + "' holds " + std::to_string(depth) +
                                         " events; " + std::to_string(parts[i].size) + " more would exceed " +
                                         DepthBoundText()));
  }
  return results;
}

std::string ValkeyPusher::DepthBoundText() const {
  if (shards_.size() == 1) return "MAX_QUEUE_DEPTH=" + std::to_string(config_.max_depth);
  return "its share " + std::to_string(max_depth_) + " of MAX_QUEUE_DEPTH=" + std::to_string(config_.max_depth) +
         " (QUEUE_SHARDS=" + std::to_string(shards_.size()) + ")";
}

}  // namespace flagmeter
