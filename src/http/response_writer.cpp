#include "http/response_writer.hpp"

#include <charconv>

#include <boost/beast/http/field.hpp>

namespace flagmeter {

void AppendResponse(const HttpResponse& response, bool head_only, std::string& out) {
  namespace http = boost::beast::http;
  const std::string& body = response.body();
  out.reserve(out.size() + 160 + (head_only ? 0 : body.size()));
  out += response.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  char digits[24];
  out.append(digits, std::to_chars(digits, digits + sizeof(digits), response.result_int()).ptr);
  out += ' ';
  out += response.reason();
  out += "\r\n";
  for (const auto& field : response) {
    if (field.name() == http::field::content_length) continue;  // written below, as prepare_payload would
    out += field.name_string();
    out += ": ";
    out += field.value();
    out += "\r\n";
  }
  // What Beast's prepare_payload sets for a string body, written here rather
  // than stored as one more header field of every answer.
  out += "Content-Length: ";
  out.append(digits, std::to_chars(digits, digits + sizeof(digits), body.size()).ptr);
  out += "\r\n\r\n";
  if (!head_only) out += body;
}

std::string SerializeResponse(const HttpResponse& response, bool head_only) {
  std::string out;
  AppendResponse(response, head_only, out);
  return out;
}

}  // namespace flagmeter
