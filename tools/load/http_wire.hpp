#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

namespace flagmeter::load {

/// Bounds on what the load generator reads of one answer.
inline constexpr std::size_t kAnswerHeadLimit = 16 * 1024;
inline constexpr std::size_t kAnswerBodyLimit = 1 << 20;

/// Append one HTTP/1.1 keep-alive request to `out`, written directly: the
/// generator shares the cores with the service it measures, so every µs it
/// spends per request is one the service does not get.
void AppendGet(std::string& out, std::string_view target, std::string_view host);
void AppendPostJson(std::string& out, std::string_view target, std::string_view host, std::string_view body);

/// The head of an answer: what the client needs to read its body.
struct AnswerHead {
  int status = 0;
  std::size_t head_bytes = 0;  // status line and fields, the blank line included
  std::size_t body_bytes = 0;  // Content-Length
  bool keep_alive = true;
};

/// The head is not complete yet: read more.
struct NeedMore {};

/// The bytes are not an answer this client can read; `what` says why.
struct BadAnswer {
  std::string what;
};

using AnswerHeadParse = std::variant<AnswerHead, NeedMore, BadAnswer>;

/// Parses the head at the start of `received`. The client reads only what
/// flagmeter sends: a final answer with a Content-Length body (none for 204 and 304), no
/// chunked transfer coding, a head of at most kAnswerHeadLimit bytes and a
/// body of at most kAnswerBodyLimit.
AnswerHeadParse ParseAnswerHead(std::string_view received);

}  // namespace flagmeter::load
