#include "http/response_writer.hpp"

#include <charconv>

namespace flagmeter {

std::string SerializeResponse(const HttpResponse& response, bool head_only) {
  const std::string& body = response.body();
  std::string out;
  out.reserve(128 + (head_only ? 0 : body.size()));
  out += response.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  char code[8];
  out.append(code, std::to_chars(code, code + sizeof(code), response.result_int()).ptr);
  out += ' ';
  out += response.reason();
  out += "\r\n";
  for (const auto& field : response) {
    out += field.name_string();
    out += ": ";
    out += field.value();
    out += "\r\n";
  }
  out += "\r\n";
  if (!head_only) out += body;
  return out;
}

}  // namespace flagmeter
