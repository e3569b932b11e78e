#include "flagmeter/queue/valkey_pusher.hpp"

#include <spdlog/spdlog.h>

#include <cassert>
#include <exception>
#include <utility>

#include "queue/lua_scripts.hpp"

namespace flagmeter {

ValkeyPusher::ValkeyPusher(QueueConfig config, ThreadHealth* health)
    : config_(std::move(config)),
      sequence_key_(config_.name + ":seq"),
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
  {
    MutexLock lock(mu_);
    backlog = pending_events_;
    stopping = stopping_;
    if (!stopping && backlog < kMaxPendingEvents) {
      pending_events_ += encoded_events.size();
      pending_.push_back(Request{std::move(encoded_events), std::move(done)});
      wake_.NotifyOne();
      return;
    }
  }
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
  batch.reserve(taken);
  std::move(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(taken), std::back_inserter(batch));
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(taken));
  return batch;
}

std::vector<Status> ValkeyPusher::PushBatch(const std::vector<Request>& batch) {
  const std::string max_depth = std::to_string(config_.max_depth);
  const std::string groups = std::to_string(batch.size());
  std::vector<std::string> sizes;
  sizes.reserve(batch.size());
  std::size_t total = 0;
  for (const Request& request : batch) {
    sizes.push_back(std::to_string(request.events.size()));
    total += request.events.size();
  }
  std::vector<std::string_view> args{max_depth, groups};
  args.reserve(2 + sizes.size() + total);
  args.insert(args.end(), sizes.begin(), sizes.end());
  for (const Request& request : batch) args.insert(args.end(), request.events.begin(), request.events.end());

  const bool was_connected = connection_.connected();
  round_trips_.fetch_add(1, std::memory_order_relaxed);
  auto reply = connection_.Eval(lua::kPush, {config_.name, sequence_key_}, args);
  if (!reply.ok() && was_connected && !connection_.connected()) {
    // The connection broke (a server restart, an idle timeout on its side).
    // Try once more on a fresh one rather than fail requests while Valkey
    // may be fine. If the first call did run, its events are queued twice;
    // the store counts each (tenant, event id) once.
    round_trips_.fetch_add(1, std::memory_order_relaxed);
    reply = connection_.Eval(lua::kPush, {config_.name, sequence_key_}, args);
  }
  if (!reply.ok()) {
    const Status failed = reply.status().WithContext("valkey queue '" + config_.name + "': push");
    return std::vector<Status>(batch.size(), failed);
  }
  return Interpret(batch, *reply);
}

std::vector<Status> ValkeyPusher::Interpret(const std::vector<Request>& batch, const ValkeyReply& reply) {
  if (reply.type != ValkeyReply::Type::kArray || reply.elements.size() != batch.size() + 1) {
    const Status bad = Status::Internal(connection_.description() + ": push script on '" + config_.name +
                                        "': unexpected reply shape");
    spdlog::error("{}", bad.message());
    return std::vector<Status>(batch.size(), bad);
  }
  const std::int64_t depth = reply.elements[0].integer;
  last_known_depth_.store(depth, std::memory_order_relaxed);
  std::vector<Status> results;
  results.reserve(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (reply.elements[i + 1].integer == 1) {
      results.push_back(Status::Ok());
      continue;
    }
    results.push_back(Status::Overloaded(
        "valkey queue '" + config_.name + "' holds " + std::to_string(depth) + " events; " +
        std::to_string(batch[i].events.size()) + " more would exceed MAX_QUEUE_DEPTH=" +
        std::to_string(config_.max_depth)));
  }
  return results;
}

}  // namespace flagmeter
