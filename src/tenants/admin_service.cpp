#include "flagmeter/tenants/admin_service.hpp"

#include <exception>

#include <spdlog/spdlog.h>

#include "flagmeter/core/thread_name.hpp"

namespace flagmeter {

AdminService::AdminService(int threads, StoreFactory make_store, std::size_t max_queued)
    : thread_count_(threads), make_store_(std::move(make_store)), max_queued_(max_queued) {}

AdminService::~AdminService() { Stop(); }

void AdminService::Start() {
  std::lock_guard lock(mu_);
  stopping_ = false;
  for (int i = 0; i < thread_count_; ++i) {
    threads_.emplace_back([this, i] {
      SetThreadName("fm-admin-" + std::to_string(i));
      RunThread();
    });
  }
}

void AdminService::Stop() {
  std::deque<Job> refused;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    refused.swap(jobs_);
  }
  wake_.notify_all();
  for (Job& job : refused) job(nullptr);
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

void AdminService::Post(Job job) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_ && !threads_.empty() && jobs_.size() < max_queued_) {
      jobs_.push_back(std::move(job));
      wake_.notify_one();
      return;
    }
  }
  spdlog::warn("admin: a job was refused (queue full or shutting down)");
  job(nullptr);
}

void AdminService::RunThread() {
  std::unique_ptr<TenantStore> store = make_store_();
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
      spdlog::error("admin: a job threw: {}", error.what());
    }
    lock.lock();
  }
}

}  // namespace flagmeter
