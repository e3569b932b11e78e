#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "flagmeter/core/mutex.hpp"
#include "flagmeter/core/status.hpp"
#include "flagmeter/core/thread_health.hpp"
#include "flagmeter/store/tenant_store.hpp"

namespace flagmeter {

/// What ingest may do with the events of one tenant name.
enum class TenantAdmission {
  kExists,     // the tenant exists (perhaps created just now): queue its events
  kNotFound,   // it does not exist and automatic creation is off
  kOverLimit,  // it does not exist and there are already `max_tenants` tenants
};

/// Bounds of automatic tenant creation (AUTO_CREATE_TENANTS, MAX_TENANTS,
/// TENANT_CREATION_QUEUE).
struct TenantCreationLimits {
  bool auto_create = true;             // false: unknown tenants are reported, never created
  std::int64_t max_tenants = 100'000;  // no automatic creation once this many tenants exist
  std::size_t max_queued = 1000;       // tenant names waiting; more are refused at once
};

/// Decides, for the tenant names of events whose tenant this process does
/// not know yet, whether their events may be queued, creating the tenants
/// when allowed. One thread of its own with its own TenantStore (its own
/// PostgreSQL connection), so a flood of new names never waits behind, nor
/// delays, operators' admin calls. The names queued meanwhile are answered
/// together, one transaction for all of them. Thread-safe.
class TenantCreator final {
 public:
  using StoreFactory = std::function<std::unique_ptr<TenantStore>()>;
  using Admissions = std::vector<std::pair<std::string, TenantAdmission>>;
  /// Unavailable when the queue is full, the database failed, or shutdown.
  using Callback = std::function<void(const Result<Admissions>&)>;

  TenantCreator(TenantCreationLimits limits, StoreFactory make_store, ThreadHealth* health = nullptr);
  ~TenantCreator();
  TenantCreator(const TenantCreator&) = delete;
  TenantCreator& operator=(const TenantCreator&) = delete;

  void Start();
  void Stop();  // answers the waiting requests with Unavailable, joins the thread

  /// Calls `done` exactly once with one admission per distinct name: on the
  /// creator thread, or inline with Unavailable when more than
  /// `max_queued` names would wait. Never blocks on the database.
  void Admit(std::vector<std::string> names, Callback done);

  const TenantCreationLimits& limits() const { return limits_; }

 private:
  struct Request {
    std::vector<std::string> names;
    Callback done;  // null once answered
  };

  void RunThread();
  bool Stopping() FM_EXCLUDES(mu_);
  // Answers every request, clearing each `done` as it is called.
  void Answer(TenantStore& store, std::vector<Request>& requests);

  // Constant after construction.
  const TenantCreationLimits limits_;
  const StoreFactory make_store_;

  Mutex mu_;
  CondVar wake_;
  std::vector<Request> requests_ FM_GUARDED_BY(mu_);
  std::size_t queued_names_ FM_GUARDED_BY(mu_) = 0;  // names in requests_
  bool stopping_ FM_GUARDED_BY(mu_) = false;
  SupervisedThread thread_;  // the creator thread; Start/Stop's
};

}  // namespace flagmeter
