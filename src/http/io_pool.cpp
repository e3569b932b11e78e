#include "flagmeter/http/io_pool.hpp"

#include <algorithm>
#include <string>

#include "flagmeter/core/thread_name.hpp"

namespace flagmeter {

IoPool::IoPool(int threads) {
  const int count = std::max(1, threads);
  contexts_.reserve(static_cast<std::size_t>(count));
  keep_running_.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    // Concurrency hint 1: run() is called by one thread only (posting from
    // other threads stays safe).
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
    keep_running_.push_back(boost::asio::make_work_guard(*contexts_.back()));
  }
}

IoPool::~IoPool() { Stop(); }

boost::asio::io_context& IoPool::Next() {
  return *contexts_[next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size()];
}

void IoPool::Start() {
  if (!threads_.empty()) return;
  for (std::size_t i = 0; i < contexts_.size(); ++i) {
    threads_.emplace_back([context = contexts_[i].get(), i] {
      SetThreadName("fm-io-" + std::to_string(i));
      context->run();
    });
  }
}

void IoPool::Stop() {
  keep_running_.clear();
  for (auto& context : contexts_) context->stop();
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

}  // namespace flagmeter
