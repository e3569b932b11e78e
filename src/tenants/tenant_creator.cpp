#include "flagmeter/tenants/tenant_creator.hpp"

#include <algorithm>
#include <exception>
#include <unordered_set>
#include <utility>

#include <spdlog/spdlog.h>

namespace flagmeter {

TenantCreator::TenantCreator(TenantCreationLimits limits, StoreFactory make_store, ThreadHealth* health)
    : limits_(limits),
      make_store_(std::move(make_store)),
      thread_(health, ThreadGroup::kTenantCreator, "fm-tenants") {}

TenantCreator::~TenantCreator() { Stop(); }

void TenantCreator::Start() {
  MutexLock lock(mu_);
  stopping_ = false;
  thread_.Start([this] { RunThread(); }, [this] { return Stopping(); });
}

bool TenantCreator::Stopping() {
  MutexLock lock(mu_);
  return stopping_;
}

void TenantCreator::Stop() {
  std::vector<Request> abandoned;
  {
    MutexLock lock(mu_);
    stopping_ = true;
    abandoned.swap(requests_);
    queued_names_ = 0;
  }
  wake_.NotifyAll();
  const Result<Admissions> stopped(Status::Unavailable("tenants: the service is shutting down"));
  for (Request& request : abandoned) request.done(stopped);
  thread_.Join();
}

void TenantCreator::Admit(std::vector<std::string> names, Callback done) {
  {
    MutexLock lock(mu_);
    if (!stopping_ && thread_.running() && queued_names_ + names.size() <= limits_.max_queued) {
      queued_names_ += names.size();
      requests_.push_back(Request{std::move(names), std::move(done)});
      wake_.NotifyOne();
      return;
    }
  }
  done(Status::Unavailable("tenants: " + std::to_string(limits_.max_queued) +
                           " new tenant names are waiting (TENANT_CREATION_QUEUE)"));
}

void TenantCreator::RunThread() {
  std::unique_ptr<TenantStore> store = make_store_();
  MutexLock lock(mu_);
  while (true) {
    wake_.Wait(mu_, [this]() FM_REQUIRES(mu_) { return stopping_ || !requests_.empty(); });
    if (stopping_) return;
    std::vector<Request> requests;
    requests.swap(requests_);
    queued_names_ = 0;
    lock.Unlock();
    try {
      Answer(*store, requests);
    } catch (...) {
      // The requests not answered yet are, before the thread restarts with a new store.
      const Result<Admissions> failed(Status::Internal("tenants: admitting new tenants failed unexpectedly"));
      for (Request& request : requests) {
        if (request.done) request.done(failed);
      }
      throw;
    }
    lock.Lock();
  }
}

void TenantCreator::Answer(TenantStore& store, std::vector<Request>& requests) {
  std::vector<std::string> names;
  for (const Request& request : requests) names.insert(names.end(), request.names.begin(), request.names.end());
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  Result<std::vector<std::string>> admitted = store.AdmitTenants(names, limits_.auto_create, limits_.max_tenants);
  if (!admitted.ok()) {
    spdlog::warn("tenants: {} new tenant names could not be admitted: {}", names.size(), admitted.status().ToString());
    for (Request& request : requests) std::exchange(request.done, nullptr)(admitted.status());
    return;
  }
  const std::unordered_set<std::string> exists(admitted->begin(), admitted->end());
  const TenantAdmission missing = limits_.auto_create ? TenantAdmission::kOverLimit : TenantAdmission::kNotFound;
  for (Request& request : requests) {
    Admissions answer;
    for (std::string& name : request.names) {
      const TenantAdmission admission = exists.count(name) > 0 ? TenantAdmission::kExists : missing;
      answer.emplace_back(std::move(name), admission);
    }
    std::exchange(request.done, nullptr)(answer);
  }
}

}  // namespace flagmeter
