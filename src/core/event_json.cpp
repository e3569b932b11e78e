#include "flagmeter/core/event_json.hpp"

#include "flagmeter/core/event_wire.hpp"
#include "flagmeter/core/json_text.hpp"

namespace flagmeter {

namespace {

constexpr bool AllKeysAreOneLetter() {
  for (const event_wire::Field& field : event_wire::kFields) {
    if (field.key.size() != 1) return false;
  }
  return true;
}
static_assert(AllKeysAreOneLetter(), "AppendKey writes one-letter keys");

// Appends `"key":` after `lead` ('{' or ','), in one append: every event on
// its way to the queue and into the commit's parameter goes through here.
void AppendKey(char lead, const event_wire::Field& field, std::string& out) {
  const char text[] = {lead, '"', field.key[0], '"', ':'};
  out.append(text, sizeof(text));
}

}  // namespace

void AppendEventJson(const Event& event, bool with_accept_seq, std::string& out) {
  AppendKey('{', event_wire::kId, out);
  AppendJsonString(event.id, out);
  AppendKey(',', event_wire::kTenant, out);
  AppendJsonString(event.tenant, out);
  AppendKey(',', event_wire::kFeature, out);
  AppendJsonString(event.feature, out);
  AppendKey(',', event_wire::kTokens, out);
  AppendJsonInteger(event.tokens, out);
  AppendKey(',', event_wire::kOccurredAt, out);
  AppendJsonInteger(event.occurred_at_ms, out);
  AppendKey(',', event_wire::kReceivedAt, out);
  AppendJsonInteger(event.received_at_ms, out);
  if (with_accept_seq) {
    AppendKey(',', event_wire::kAcceptSeq, out);
    AppendJsonInteger(event.accept_seq, out);
  }
  out += '}';
}

}  // namespace flagmeter
