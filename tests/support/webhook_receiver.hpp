#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace flagmeter::test {

/// One request a WebhookReceiver got.
struct ReceivedWebhook {
  std::string method;
  std::string target;
  std::string body;
  std::map<std::string, std::string> headers;  // names in lower case
};

/// A tiny HTTP server on 127.0.0.1 (a free port) for tests of outgoing
/// webhooks: records every request, and answers 500 to the first
/// `fail_first` requests, then 200 — or, with `never_answer`, reads requests
/// and never answers (the connection stays open until Stop). Runs on its own
/// thread from construction to Stop or destruction. Thread-safe.
class WebhookReceiver final {
 public:
  struct Options {
    int fail_first = 0;
    bool never_answer = false;
  };

  explicit WebhookReceiver(Options options);
  WebhookReceiver() : WebhookReceiver(Options{}) {}
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  int port() const;
  /// "http://127.0.0.1:<port><path>"
  std::string Url(const std::string& path = "/hook") const;

  /// Every request received so far, in order.
  std::vector<ReceivedWebhook> Received() const;

  /// TCP connections accepted so far (with or without a request).
  int Connections() const;

  /// Waits until at least `count` requests arrived or `timeout` passed;
  /// returns what arrived.
  std::vector<ReceivedWebhook> WaitFor(std::size_t count, std::chrono::milliseconds timeout) const;

  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flagmeter::test
