#include "flagmeter/core/status.hpp"

namespace flagmeter {
namespace {

const char* CodeName(Status::Code code) {
  switch (code) {
    case Status::Code::kOk: return "OK";
    case Status::Code::kInvalidArgument: return "Invalid argument";
    case Status::Code::kNotFound: return "Not found";
    case Status::Code::kFailedPrecondition: return "Failed precondition";
    case Status::Code::kUnavailable: return "Unavailable";
    case Status::Code::kOverloaded: return "Overloaded";
    case Status::Code::kAborted: return "Aborted";
    case Status::Code::kInternal: return "Internal";
  }
  return "Unknown";
}

}  // namespace

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(CodeName(code_)) + ": " + message_;
}

Status Status::WithContext(const std::string& context) const {
  if (ok()) return *this;
  return Status(code_, context + ": " + message_);
}

}  // namespace flagmeter
