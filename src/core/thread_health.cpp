#include "flagmeter/core/thread_health.hpp"

#include <algorithm>
#include <exception>
#include <future>
#include <memory>
#include <thread>
#include <utility>

#include <spdlog/spdlog.h>

#include "flagmeter/core/thread_name.hpp"

namespace flagmeter {
namespace {

constexpr std::array<std::string_view, kThreadGroupCount> kNames = {
    "pusher", "workers", "usage_readers", "history_readers", "admin",
    "key_registry", "alert_monitor", "alert_senders", "monitor", "tenant_creator", "dead_letters", "lease_reaper", "ledger"};

// Sleeps up to `delay` in short steps, returning early once `stopping()`.
void SleepUnlessStopping(std::chrono::milliseconds delay, const std::function<bool()>& stopping) {
  const auto until = std::chrono::steady_clock::now() + delay;
  while (!stopping() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(std::chrono::milliseconds(10), delay));
  }
}

}  // namespace

std::string_view ThreadGroupName(ThreadGroup group) { return kNames[static_cast<std::size_t>(group)]; }

void ThreadHealth::Expect(ThreadGroup group, int threads) {
  groups_[static_cast<std::size_t>(group)].expected.store(threads);
}

void ThreadHealth::Started(ThreadGroup group) { groups_[static_cast<std::size_t>(group)].running.fetch_add(1); }

void ThreadHealth::Stopped(ThreadGroup group) { groups_[static_cast<std::size_t>(group)].running.fetch_sub(1); }

void ThreadHealth::Restarted(ThreadGroup group) { groups_[static_cast<std::size_t>(group)].restarts.fetch_add(1); }

std::vector<ThreadHealth::Group> ThreadHealth::Snapshot() const {
  std::vector<Group> result;
  result.reserve(kThreadGroupCount);
  for (std::size_t i = 0; i < kThreadGroupCount; ++i) {
    result.push_back(Group{static_cast<ThreadGroup>(i), groups_[i].expected.load(), groups_[i].running.load(),
                           groups_[i].restarts.load()});
  }
  return result;
}

bool ThreadHealth::Degraded() const {
  return std::any_of(groups_.begin(), groups_.end(),
                     [](const Counts& counts) { return counts.running.load() < counts.expected.load(); });
}

void RunSupervised(ThreadHealth* health, ThreadGroup group, const std::string& thread_name,
                   const std::function<void()>& loop, const std::function<bool()>& stopping, RestartBackoff backoff) {
  SetThreadName(thread_name);
  std::chrono::milliseconds delay = backoff.initial;
  for (;;) {
    if (health != nullptr) health->Started(group);
    std::string failure;
    try {
      loop();
    } catch (const std::exception& e) {
      failure = e.what();
    } catch (...) {
      failure = "an exception of unknown type";
    }
    if (health != nullptr) health->Stopped(group);
    if (failure.empty()) return;
    if (stopping()) {
      spdlog::error("{}: ended by an exception while stopping: {}", thread_name, failure);
      return;
    }
    if (health != nullptr) health->Restarted(group);
    spdlog::critical("{}: ended by an exception; restarting it in {} ms: {}", thread_name, delay.count(), failure);
    SleepUnlessStopping(delay, stopping);
    if (stopping()) return;
    delay = std::min(delay * 2, backoff.max);
  }
}

std::thread StartSupervised(ThreadHealth* health, ThreadGroup group, std::string thread_name,
                            std::function<void()> loop, std::function<bool()> stopping, RestartBackoff backoff) {
  auto running = std::make_shared<std::promise<void>>();
  std::future<void> counted = running->get_future();
  std::thread thread([health, group, thread_name = std::move(thread_name), loop = std::move(loop),
                      stopping = std::move(stopping), backoff, running]() mutable {
    // RunSupervised counts the thread before the loop's first run.
    auto first_run = [&loop, &running] {
      if (running) std::exchange(running, nullptr)->set_value();
      loop();
    };
    RunSupervised(health, group, thread_name, first_run, stopping, backoff);
  });
  counted.wait();
  return thread;
}

void SupervisedThread::Start(std::function<void()> loop, std::function<bool()> stopping) {
  if (thread_.joinable()) return;
  if (health_ != nullptr) health_->Expect(group_, 1);
  thread_ = StartSupervised(health_, group_, name_, std::move(loop), std::move(stopping));
}

void SupervisedThread::Join() {
  if (!thread_.joinable()) return;
  thread_.join();
  if (health_ != nullptr) health_->Expect(group_, 0);
}

}  // namespace flagmeter
