#include "support/answer_log.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <utility>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace flagmeter::test {
namespace http = boost::beast::http;
namespace {

constexpr const char* kAnswersDirEnv = "FLAGMETER_TEST_ANSWERS_DIR";

std::string LogPath() {
  const char* dir = std::getenv(kAnswersDirEnv);
  if (dir == nullptr || *dir == '\0') return "";
  return std::string(dir) + "/answers-" + std::to_string(::getpid()) + ".jsonl";
}

// A string as JSON; invalid UTF-8 (which a JSON answer must not hold) is
// replaced and reported through `valid`.
nlohmann::json Text(const std::string& text, bool& valid) {
  valid = true;
  try {
    (void)nlohmann::json(text).dump();
    return text;
  } catch (const nlohmann::json::exception&) {
    valid = false;
    return nlohmann::json::parse(
        nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
}

// Parses consecutive messages of type Parser out of `bytes`; stops at the
// first that does not parse whole.
template <typename Parser, typename Visit>
void ForEachMessage(std::string_view bytes, const Visit& visit, const std::vector<bool>& skip_body = {}) {
  std::size_t index = 0;
  while (!bytes.empty()) {
    Parser parser;
    parser.eager(true);
    parser.header_limit(1u << 24);
    parser.body_limit(1u << 30);
    if (index < skip_body.size()) parser.skip(skip_body[index]);
    boost::system::error_code ec;
    while (!parser.is_done() && !bytes.empty()) {
      const std::size_t used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
      bytes.remove_prefix(used);
      if (ec || used == 0) break;
    }
    // An answer without Content-Length ends with the connection.
    if (!parser.is_done() && (!ec || ec == http::error::need_more) && bytes.empty()) parser.put_eof(ec);
    if (!parser.is_done()) return;
    if (!visit(parser.get())) continue;  // an interim answer (1xx) pairs with no request
    ++index;
  }
}

}  // namespace

void RecordAnswer(std::string_view method, std::string_view target, const HttpResult& answer) {
  static const std::string path = LogPath();
  if (path.empty() || answer.status == 0) return;
  nlohmann::json line = {{"method", method},
                         {"target", target},
                         {"status", answer.status},
                         {"headers", answer.headers},
                         {"bodyBytes", answer.body.size()}};
  const std::string type = answer.Header("content-type");
  if (type.starts_with("application/json")) {
    bool valid = true;
    line["body"] = Text(answer.body, valid);
    line["bodyUtf8"] = valid;
  }
  bool target_valid = true;
  line["target"] = Text(std::string(target), target_valid);
  const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  static std::mutex mu;
  std::lock_guard lock(mu);
  std::ofstream(path, std::ios::app) << text;
}

void RecordRawExchange(const std::string& sent, const std::string& received) {
  std::vector<std::pair<std::string, std::string>> requests;
  std::vector<bool> head;
  ForEachMessage<http::request_parser<http::string_body>>(sent, [&](const auto& request) {
    requests.emplace_back(std::string(request.method_string()), std::string(request.target()));
    head.push_back(request.method() == http::verb::head);
    return true;
  });
  std::size_t index = 0;
  ForEachMessage<http::response_parser<http::string_body>>(
      received,
      [&](const auto& response) {
        if (response.result_int() < 200) return false;
        HttpResult answer;
        answer.status = response.result_int();
        answer.body = response.body();
        for (const auto& field : response) {
          std::string name(field.name_string());
          std::transform(name.begin(), name.end(), name.begin(),
                         [](unsigned char c) { return std::tolower(c); });
          answer.headers[name] = std::string(field.value());
        }
        const bool paired = index < requests.size();
        RecordAnswer(paired ? requests[index].first : "", paired ? requests[index].second : "", answer);
        ++index;
        return true;
      },
      head);
}

}  // namespace flagmeter::test
