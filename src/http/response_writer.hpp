#pragma once

#include <string>

#include "http/api_handler.hpp"

namespace flagmeter {

/// The bytes of `response` on the wire, in one string: status line, header
/// fields in order, blank line, then the body unless `head_only`. The
/// response must be prepared (Content-Length and Connection already set).
/// One contiguous buffer goes out in one send, where Beast's serializer
/// walks a chain of buffer views for every answer.
std::string SerializeResponse(const HttpResponse& response, bool head_only);

}  // namespace flagmeter
