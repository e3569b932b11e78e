#pragma once

#include <string>

#include "flagmeter/core/event.hpp"

namespace flagmeter {

/// Appends the compact JSON object of `event` (core/event_wire.hpp) that both
/// the queue and the store's batch parameter use:
///   {"i":id,"t":tenant,"f":feature,"n":tokens,"o":occurred ms,"r":received ms}
/// with ,"s":accept_seq before the brace when `with_accept_seq` (the queue
/// leaves it out: its push script stamps it).
void AppendEventJson(const Event& event, bool with_accept_seq, std::string& out);

}  // namespace flagmeter
