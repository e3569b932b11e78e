#include "http/connection_registry.hpp"

#include <utility>

namespace flagmeter {

ConnectionRegistry::Slot::Slot(Slot&& other) noexcept
    : registry_(std::exchange(other.registry_, nullptr)), id_(other.id_) {}

ConnectionRegistry::Slot::~Slot() {
  if (registry_ != nullptr) registry_->Release(id_);
}

void ConnectionRegistry::Slot::SetCloser(Closer closer) {
  MutexLock lock(registry_->mu_);
  registry_->closers_[id_] = std::move(closer);
}

std::optional<ConnectionRegistry::Slot> ConnectionRegistry::TryAcquire(std::size_t max_connections) {
  MutexLock lock(mu_);
  if (closers_.size() >= max_connections) return std::nullopt;
  closers_.emplace(++next_id_, Closer());
  return Slot(this, next_id_);
}

void ConnectionRegistry::Release(std::uint64_t id) {
  MutexLock lock(mu_);
  closers_.erase(id);
}

void ConnectionRegistry::CloseAll() {
  closing_.store(true);
  MutexLock lock(mu_);
  for (auto& [id, closer] : closers_) {
    if (closer) closer();
  }
}

std::size_t ConnectionRegistry::Count() {
  MutexLock lock(mu_);
  return closers_.size();
}

}  // namespace flagmeter
