#include "load/http_wire.hpp"

#include <charconv>

namespace flagmeter::load {
namespace {

constexpr std::string_view kCrlf = "\r\n";

void AppendHead(std::string& out, std::string_view method, std::string_view target, std::string_view host) {
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ").append(host);
  out.append("\r\nUser-Agent: flagmeter-load\r\n");
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoringCase(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != lower[i]) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whether a comma-separated Connection value holds `token`.
bool HasToken(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    if (EqualsIgnoringCase(Trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

BadAnswer Bad(std::string what) { return BadAnswer{std::move(what)}; }

}  // namespace

void AppendGet(std::string& out, std::string_view target, std::string_view host) {
  AppendHead(out, "GET", target, host);
  out.append(kCrlf);
}

void AppendPostJson(std::string& out, std::string_view target, std::string_view host, std::string_view body) {
  AppendHead(out, "POST", target, host);
  out.append("Content-Type: application/json\r\nContent-Length: ").append(std::to_string(body.size()));
  out.append("\r\n\r\n").append(body);
}

AnswerHeadParse ParseAnswerHead(std::string_view received) {
  const std::size_t end = received.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (received.size() > kAnswerHeadLimit) return Bad("answer head longer than 16 KiB");
    return NeedMore{};
  }
  if (end + 4 > kAnswerHeadLimit) return Bad("answer head longer than 16 KiB");
  AnswerHead head;
  head.head_bytes = end + 4;
  std::string_view lines = received.substr(0, end + 2);

  // Status line: HTTP/1.x NNN reason
  const std::size_t line_end = lines.find(kCrlf);
  const std::string_view status_line = lines.substr(0, line_end);
  lines.remove_prefix(line_end + 2);
  if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." || status_line[8] != ' ' ||
      (status_line.size() > 12 && status_line[12] != ' ')) {
    return Bad("malformed status line");
  }
  const bool http10 = status_line[7] == '0';
  if (!http10 && status_line[7] != '1') return Bad("unsupported HTTP version");
  const char* digits = status_line.data() + 9;
  const auto [status_end, status_ec] = std::from_chars(digits, digits + 3, head.status);
  if (status_ec != std::errc() || status_end != digits + 3 || head.status < 100) return Bad("malformed status code");
  head.keep_alive = !http10;

  bool has_length = false;
  while (!lines.empty()) {
    const std::size_t next = lines.find(kCrlf);
    const std::string_view field = lines.substr(0, next);
    lines.remove_prefix(next + 2);
    const std::size_t colon = field.find(':');
    if (colon == std::string_view::npos || colon == 0) return Bad("malformed header field");
    const std::string_view name = field.substr(0, colon);
    const std::string_view value = Trim(field.substr(colon + 1));
    if (EqualsIgnoringCase(name, "content-length")) {
      std::size_t length = 0;
      const auto [length_end, length_ec] = std::from_chars(value.data(), value.data() + value.size(), length);
      if (value.empty() || length_ec != std::errc() || length_end != value.data() + value.size()) {
        return Bad("malformed Content-Length");
      }
      if (has_length && length != head.body_bytes) return Bad("conflicting Content-Length fields");
      if (length > kAnswerBodyLimit) return Bad("answer body longer than 1 MiB");
      head.body_bytes = length;
      has_length = true;
    } else if (EqualsIgnoringCase(name, "transfer-encoding")) {
      return Bad("chunked answers are not supported");
    } else if (EqualsIgnoringCase(name, "connection")) {
      if (HasToken(value, "close")) head.keep_alive = false;
      else if (HasToken(value, "keep-alive")) head.keep_alive = true;
    }
  }
  // The client never sends Expect, so an interim answer is not one it can pair with its request.
  if (head.status < 200) return Bad("unexpected interim (1xx) answer");
  if (head.status == 204 || head.status == 304) {
    head.body_bytes = 0;
  } else if (!has_length) {
    return Bad("answer without Content-Length");
  }
  return head;
}

}  // namespace flagmeter::load
