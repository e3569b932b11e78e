#include "flagmeter/tenants/tenant_directory.hpp"

#include <optional>
#include <utility>

#include "flagmeter/tenants/tenant_creator.hpp"

namespace flagmeter {
namespace {

Status NotAdmitted(const std::string& tenant, TenantAdmission admission, std::int64_t max_tenants) {
  if (admission == TenantAdmission::kNotFound) {
    return Status::FailedPrecondition("Tenant '" + tenant +
                                      "' does not exist and tenants are not created by events " +
                                      "(AUTO_CREATE_TENANTS is off): create it first with PUT /api/tenants/<name>");
  }
  return Status::FailedPrecondition("Tenant '" + tenant + "' does not exist and no more tenants are created by " +
                                    "events: the limit of " + std::to_string(max_tenants) +
                                    " tenants (MAX_TENANTS) is reached; an operator can still create it with PUT " +
                                    "/api/tenants/<name>");
}

}  // namespace

TenantDirectory::TenantDirectory(std::size_t cache_capacity, TenantCreator* creator, AdmittedListener on_admitted)
    : known_(cache_capacity), creator_(creator), on_admitted_(std::move(on_admitted)) {}

bool TenantDirectory::AllKnown(const std::vector<std::string>& names) const {
  return creator_ == nullptr || known_.Unknown(names).empty();
}

void TenantDirectory::Admit(const std::vector<std::string>& names, Done done) {
  std::vector<std::string> unknown = known_.Unknown(names);
  if (unknown.empty() || creator_ == nullptr) return done(Status::Ok());
  const std::int64_t max_tenants = creator_->limits().max_tenants;
  creator_->Admit(std::move(unknown), [this, max_tenants, done = std::move(done)](
                                          const Result<TenantCreator::Admissions>& answer) {
    if (!answer.ok()) return done(answer.status());
    std::vector<std::string> existing;
    std::optional<Status> refused;
    for (const auto& [name, admission] : *answer) {
      if (admission == TenantAdmission::kExists) existing.push_back(name);
      else if (!refused) refused = NotAdmitted(name, admission, max_tenants);
    }
    known_.Add(existing);
    if (on_admitted_ && !existing.empty()) on_admitted_(existing);
    done(refused ? *refused : Status::Ok());
  });
}

}  // namespace flagmeter
