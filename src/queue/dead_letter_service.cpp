#include "flagmeter/queue/dead_letter_service.hpp"

#include <exception>
#include <utility>

#include <spdlog/spdlog.h>

#include "flagmeter/core/thread_name.hpp"

namespace flagmeter {

DeadLetterService::DeadLetterService(StoreFactory make_store, std::size_t max_queued)
    : make_store_(std::move(make_store)), max_queued_(max_queued) {}

DeadLetterService::~DeadLetterService() { Stop(); }

void DeadLetterService::Start() {
  std::lock_guard lock(mu_);
  if (running_) return;
  stopping_ = false;
  running_ = true;
  thread_ = std::thread([this] {
    SetThreadName("fm-deadletters");
    Run();
  });
}

void DeadLetterService::Stop() {
  std::deque<Job> refused;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    refused.swap(jobs_);
  }
  wake_.notify_all();
  for (Job& job : refused) job(nullptr);
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  running_ = false;
}

void DeadLetterService::Post(Job job) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_ && running_ && jobs_.size() < max_queued_) {
      jobs_.push_back(std::move(job));
      wake_.notify_one();
      return;
    }
  }
  spdlog::warn("dead letters: a job was refused (queue full or shutting down)");
  job(nullptr);
}

void DeadLetterService::Run() {
  std::unique_ptr<DeadLetterStore> store = make_store_();
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (stopping_) return;
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    try {
      job(store.get());
    } catch (const std::exception& error) {
      spdlog::error("dead letters: a job threw: {}", error.what());
    }
    lock.lock();
  }
}

}  // namespace flagmeter
