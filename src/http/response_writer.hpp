#pragma once

#include <string>

#include "http/api_handler.hpp"

namespace flagmeter {

/// Appends the bytes of `response` on the wire to `out`: status line, header
/// fields in order, `Content-Length` of the body (replacing any the response
/// holds, as Beast's prepare_payload does), blank line, then the body unless
/// `head_only`. Connection must already be set (keep_alive). One contiguous
/// buffer goes out in one send, where Beast's serializer walks a chain of
/// buffer views for every answer; a session appends into the same buffer
/// for every answer of its connection.
void AppendResponse(const HttpResponse& response, bool head_only, std::string& out);

/// AppendResponse into a new string.
std::string SerializeResponse(const HttpResponse& response, bool head_only);

}  // namespace flagmeter
