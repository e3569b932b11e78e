#pragma once

#include <string>
#include <string_view>

#include "support/http_client.hpp"

namespace flagmeter::test {

/// Each answer a test gets from a flagmeter is appended to
/// $FLAGMETER_TEST_ANSWERS_DIR/answers-<pid>.jsonl as one JSON object per line:
/// {"method", "target", "status", "headers", "bodyBytes", "body" (JSON answers
/// only), "bodyUtf8"}. After the integration tests, tests/openapi/
/// check_answers.py validates them all against docs/openapi.yaml. Without the
/// variable nothing is written. Thread-safe.
void RecordAnswer(std::string_view method, std::string_view target, const HttpResult& answer);

/// Records the answers found in `received`, the bytes a server sent back to
/// the raw bytes `sent` on one connection. Answers are paired with the
/// requests that parse out of `sent`, in order; an answer beyond them (to
/// bytes that are not HTTP) is recorded with an empty method and target.
void RecordRawExchange(const std::string& sent, const std::string& received);

}  // namespace flagmeter::test
