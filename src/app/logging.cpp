#include "flagmeter/app/logging.hpp"

#include <memory>

#include <nlohmann/json.hpp>
#include <spdlog/formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "flagmeter/core/rfc3339.hpp"

namespace flagmeter {
namespace {

// Writes each record as one JSON object per line (timestamp, level, message,
// logger, thread) for log collectors; the message is escaped properly, which
// a pattern string cannot do.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count();
    nlohmann::ordered_json line = {
        {"timestamp", FormatRfc3339(ms)},
        {"level", spdlog::level::to_string_view(msg.level).data()},
        {"message", std::string(msg.payload.data(), msg.payload.size())},
        {"logger", std::string(msg.logger_name.data(), msg.logger_name.size())},
        {"thread", msg.thread_id},
    };
    const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

}  // namespace

void ConfigureLogging(const std::string& level, const std::string& format) {
  auto logger = std::make_shared<spdlog::logger>("flagmeter", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  if (format == "json") {
    logger->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%-5l%$ %v", spdlog::pattern_time_type::utc);
  }
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace flagmeter
