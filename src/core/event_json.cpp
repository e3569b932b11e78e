#include "flagmeter/core/event_json.hpp"

#include "flagmeter/core/json_text.hpp"

namespace flagmeter {

void AppendEventJson(const Event& event, bool with_accept_seq, std::string& out) {
  out += R"({"i":)";
  AppendJsonString(event.id, out);
  out += R"(,"t":)";
  AppendJsonString(event.tenant, out);
  out += R"(,"f":)";
  AppendJsonString(event.feature, out);
  out += R"(,"n":)";
  AppendJsonInteger(event.tokens, out);
  out += R"(,"o":)";
  AppendJsonInteger(event.occurred_at_ms, out);
  out += R"(,"r":)";
  AppendJsonInteger(event.received_at_ms, out);
  if (with_accept_seq) {
    out += R"(,"s":)";
    AppendJsonInteger(event.accept_seq, out);
  }
  out += '}';
}

}  // namespace flagmeter
