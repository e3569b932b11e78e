#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "flagmeter/services/api_key_checker.hpp"
#include "flagmeter/services/dead_letter_service.hpp"
#include "flagmeter/services/ingest_service.hpp"
#include "flagmeter/services/query_service.hpp"
#include "flagmeter/services/tenant_admin_service.hpp"

// The services' interfaces answered from fields a test sets, inline on the
// calling thread, with every call recorded: for the route functions' tests.
// Not thread-safe (the route tests run on one thread).
namespace flagmeter::fakes {

class FakeIngestService final : public IngestService {
 public:
  bool tenants_known = true;                  // TenantsKnown's answer
  std::optional<Status> admission = Status::Ok();  // none: AdmitTenants keeps `held_admission` unanswered
  Status push = Status::Ok();                 // Enqueue's answer

  int admissions = 0;
  Done held_admission;
  std::vector<Event> enqueued;  // the events of every Enqueue answered Ok

  bool TenantsKnown(const std::vector<Event>&) override { return tenants_known; }
  void AdmitTenants(const std::vector<Event>&, Done done) override {
    ++admissions;
    if (admission) done(*admission);
    else held_admission = std::move(done);
  }
  void Enqueue(const std::vector<Event>& events, Done done) override {
    if (push.ok()) enqueued.insert(enqueued.end(), events.begin(), events.end());
    done(push);
  }
};

class FakeQueryService final : public QueryService {
 public:
  Result<TenantUsage> usage = Status::NotFound("Tenant not found");
  Result<std::vector<HistoryBucket>> history = std::vector<HistoryBucket>{};
  Result<DashboardSnapshot> dashboard = DashboardSnapshot{};

  std::vector<std::string> usage_reads;
  std::vector<HistoryQuery> history_reads;
  std::vector<TenantPageRequest> dashboard_reads;

  void Usage(const std::string& tenant, ReplyCallback<TenantUsage> done) override {
    usage_reads.push_back(tenant);
    done(MakeReply(usage));
  }
  void History(HistoryQuery query, ReplyCallback<std::vector<HistoryBucket>> done) override {
    history_reads.push_back(query);
    done(MakeReply(history));
  }
  void Dashboard(TenantPageRequest page, ReplyCallback<DashboardSnapshot> done) override {
    dashboard_reads.push_back(page);
    done(MakeReply(dashboard));
  }
};

class FakeTenantAdminService final : public TenantAdminService {
 public:
  Result<TenantOverviewPage> list = TenantOverviewPage{};
  Result<TenantDetails> details = Status::NotFound("Tenant not found");
  Result<TenantWrite> write = TenantWrite{};
  Result<CreatedKey> created_key = Status::NotFound("Tenant not found");
  Result<ApiKeyEntry> revoked_key = Status::NotFound("Key not found");

  std::vector<std::string> calls;  // "list", "get acme", "put acme", "create-key acme", "revoke acme key_..."
  std::vector<TenantUpdate> updates;

  void ListTenants(TenantPageRequest, ReplyCallback<TenantOverviewPage> done) override {
    calls.push_back("list");
    done(MakeReply(list));
  }
  void GetTenant(const std::string& tenant, ReplyCallback<TenantDetails> done) override {
    calls.push_back("get " + tenant);
    done(MakeReply(details));
  }
  void PutTenant(const std::string& tenant, TenantUpdate update, ReplyCallback<TenantWrite> done) override {
    calls.push_back("put " + tenant);
    updates.push_back(std::move(update));
    done(MakeReply(write));
  }
  void CreateKey(const std::string& tenant, ReplyCallback<CreatedKey> done) override {
    calls.push_back("create-key " + tenant);
    done(MakeReply(created_key));
  }
  void RevokeKey(const std::string& tenant, const std::string& key_id, ReplyCallback<ApiKeyEntry> done) override {
    calls.push_back("revoke " + tenant + " " + key_id);
    done(MakeReply(revoked_key));
  }
};

class FakeDeadLetterService final : public DeadLetterService {
 public:
  Result<DeadLetterPage> page = DeadLetterPage{};
  Result<DeadLetterMoveReport> report = DeadLetterMoveReport{};

  std::vector<std::pair<std::uint64_t, std::size_t>> lists;  // (after_id, limit) of each List
  std::vector<std::pair<DeadLetterAction, DeadLetterSelection>> moves;

  void List(std::uint64_t after_id, std::size_t limit, ReplyCallback<DeadLetterPage> done) override {
    lists.emplace_back(after_id, limit);
    done(MakeReply(page));
  }
  void Move(DeadLetterAction action, DeadLetterSelection selection, ReplyCallback<DeadLetterMoveReport> done) override {
    moves.emplace_back(action, std::move(selection));
    done(MakeReply(report));
  }
};

class FakeApiKeyChecker final : public ApiKeyChecker {
 public:
  std::map<std::string, Result<KeyVerdict>> verdicts;  // unlisted keys are unknown
  std::vector<std::string> checked;

  void Check(std::string_view key, Callback done) override {
    checked.emplace_back(key);
    auto found = verdicts.find(std::string(key));
    done(found == verdicts.end() ? Result<KeyVerdict>(KeyVerdict{}) : found->second);
  }
};

}  // namespace flagmeter::fakes
