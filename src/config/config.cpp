#include "flagmeter/config/config.hpp"

#include <charconv>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string_view>
#include <type_traits>
#include <vector>

namespace flagmeter {
namespace {

using Getenv = std::function<const char*(const char*)>;

// One row per variable: the single place where names, defaults, bounds and
// meanings live, so --help, validation and the docs cannot drift apart.
struct Variable {
  const char* name;
  const char* default_text;
  const char* meaning;
  std::int64_t min = 0;  // for integer variables
  std::int64_t max = 0;
  // Applies the (validated) text to the config; returns "" or a problem.
  std::string (*apply)(Config&, const std::string&, const Variable&);
  bool secret = false;  // its value is never echoed in error messages
  // What a non-integer variable accepts, for --help (integers show min..max).
  const char* allowed = nullptr;
};

std::string ParseInt(const std::string& text, const Variable& var, std::int64_t& out) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return "must be an integer from " + std::to_string(var.min) + " to " + std::to_string(var.max);
  }
  if (value < var.min || value > var.max) {
    return "must be from " + std::to_string(var.min) + " to " + std::to_string(var.max);
  }
  out = value;
  return "";
}

template <typename T, T Config::*Section, auto Field>
std::string ApplyInt(Config& config, const std::string& text, const Variable& var) {
  std::int64_t value = 0;
  std::string problem = ParseInt(text, var, value);
  if (problem.empty()) (config.*Section).*Field = static_cast<std::remove_reference_t<decltype((config.*Section).*Field)>>(value);
  return problem;
}

std::string ApplyDatabaseUrl(Config& config, const std::string& text, const Variable&) {
  if (text.rfind("postgres://", 0) != 0 && text.rfind("postgresql://", 0) != 0) {
    return "must be a postgres:// or postgresql:// URL";
  }
  config.store.database_url = text;
  return "";
}

std::string ApplyDatabaseReadUrl(Config& config, const std::string& text, const Variable&) {
  if (!text.empty() && text.rfind("postgres://", 0) != 0 && text.rfind("postgresql://", 0) != 0) {
    return "must be a postgres:// or postgresql:// URL, or empty";
  }
  config.store.database_read_url = text;
  return "";
}

std::string ApplyValkeyUrl(Config& config, const std::string& text, const Variable&) {
  Result<ValkeyEndpoint> endpoint = ParseValkeyUrl(text);
  if (!endpoint.ok()) return endpoint.status().message();
  // The cluster bounds have variables of their own.
  endpoint->cluster_max_redirects = config.queue.valkey.cluster_max_redirects;
  endpoint->cluster_retry_budget_ms = config.queue.valkey.cluster_retry_budget_ms;
  config.queue.valkey = *endpoint;
  // On a cluster every script of a shard must stay in one slot: its keys
  // carry the shard's hash tag, even with one shard.
  config.queue.hash_tags = config.queue.valkey.cluster();
  return "";
}

template <int ValkeyEndpoint::*Field>
std::string ApplyValkeyInt(Config& config, const std::string& text, const Variable& var) {
  std::int64_t value = 0;
  std::string problem = ParseInt(text, var, value);
  if (problem.empty()) config.queue.valkey.*Field = static_cast<int>(value);
  return problem;
}

std::string ApplyQueueName(Config& config, const std::string& text, const Variable&) {
  if (text.empty() || text.size() > 200) return "must be 1 to 200 characters";
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return "must not contain spaces or control characters";
    // The shards' keys carry their own hash tag ({Q:i}); a brace in Q would
    // make the tag a part of Q and put every shard in one cluster slot.
    if (c == '{' || c == '}') return "must not contain '{' or '}' (each shard adds its own hash tag)";
  }
  config.queue.name = text;
  return "";
}

std::string ApplyLogLevel(Config& config, const std::string& text, const Variable&) {
  for (const char* level : {"trace", "debug", "info", "warn", "error"}) {
    if (text == level) {
      config.log_level = text;
      return "";
    }
  }
  return "must be one of trace, debug, info, warn, error";
}

std::string ApplyLogFormat(Config& config, const std::string& text, const Variable&) {
  if (text != "json" && text != "text") return "must be json or text";
  config.log_format = text;
  return "";
}

std::string ApplyBindAddress(Config& config, const std::string& text, const Variable&) {
  if (text.empty()) return "must be an IP address";
  config.http.bind_address = text;
  return "";
}

std::string ApplyAdminToken(Config& config, const std::string& text, const Variable&) {
  if (text.empty()) return "";  // set but empty: same as unset, admin API off
  if (text.size() < 16) return "must be at least 16 characters (use a long random string)";
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return "must not contain spaces or control characters";
  }
  config.tenants.admin_token = text;
  return "";
}

// A true/false variable: "true" or "1", "false" or "0"; empty leaves it unset
// (no value). Anything else is not valid.
struct Flag {
  bool valid = true;
  std::optional<bool> value;
};

constexpr char kNotAFlag[] = "must be true or false";

Flag ParseFlag(const std::string& text) {
  if (text == "true" || text == "1") return {true, true};
  if (text == "false" || text == "0") return {true, false};
  if (text.empty()) return {};
  return {false, std::nullopt};
}

std::string ApplyRequireApiKeys(Config& config, const std::string& text, const Variable&) {
  const Flag flag = ParseFlag(text);
  if (!flag.valid) return kNotAFlag;
  config.tenants.require_api_keys = flag.value.value_or(false);
  return "";
}

std::string ApplyAutoCreateTenants(Config& config, const std::string& text, const Variable&) {
  const Flag flag = ParseFlag(text);
  if (!flag.valid) return kNotAFlag;
  config.tenants.auto_create_tenants = flag.value;  // empty: unset, decided by REQUIRE_API_KEYS
  return "";
}

std::string ApplyWebhookAllowPrivate(Config& config, const std::string& text, const Variable&) {
  const Flag flag = ParseFlag(text);
  if (!flag.valid) return kNotAFlag;
  config.alerts.webhook_allow_private = flag.value.value_or(false);
  return "";
}

std::string ApplyCommitPerTenant(Config& config, const std::string& text, const Variable&) {
  const Flag flag = ParseFlag(text);
  if (!flag.valid) return kNotAFlag;
  config.store.commit_per_tenant = flag.value.value_or(false);
  return "";
}

std::string ApplyWebhookSecret(Config& config, const std::string& text, const Variable&) {
  config.alerts.webhook_secret = text;
  return "";
}

const std::vector<Variable>& Variables() {
  static const std::vector<Variable> kVariables = {
      {"PORT", "3000", "HTTP port", 1, 65535, ApplyInt<HttpConfig, &Config::http, &HttpConfig::port>},
      {"BIND_ADDRESS", "0.0.0.0", "address the HTTP server listens on", 0, 0, ApplyBindAddress, false,
       "an IPv4 or IPv6 address"},
      {"DATABASE_URL", "postgres://flagmeter@localhost:5432/flagmeter", "PostgreSQL", 0, 0, ApplyDatabaseUrl, false,
       "postgres://[user[:password]@]host[:port]/database[?options]"},
      {"DATABASE_READ_URL", "(unset)",
       "hot standby for usage, history, dashboard and tenant-list reads (writes stay on DATABASE_URL)", 0, 0,
       ApplyDatabaseReadUrl, false, "postgres://... or postgresql://...; empty: every read on DATABASE_URL"},
      {"MAX_READ_LAG_MS", "5000",
       "ms the standby's replay may lag (checked every second); beyond it, or when it is down, reads use the primary",
       100, 3600000, ApplyInt<StoreConfig, &Config::store, &StoreConfig::max_read_lag_ms>},
      {"IDEMPOTENCY_WINDOW_DAYS", "62",
       "days an event id is remembered, and how far back an event's timestamp may lie (older: 400)", 1, 3660,
       ApplyInt<StoreConfig, &Config::store, &StoreConfig::idempotency_window_days>},
      {"RAW_EVENT_RETENTION_DAYS", "(IDEMPOTENCY_WINDOW_DAYS)",
       "days raw events are kept at least; their partition is dropped once its last day is older (rollups are "
       "kept for ever); never shorter than IDEMPOTENCY_WINDOW_DAYS",
       1, 36600, ApplyInt<StoreConfig, &Config::store, &StoreConfig::raw_event_retention_days>, false,
       "IDEMPOTENCY_WINDOW_DAYS..36600"},
      {"RAW_EVENT_PARTITION_DAYS", "31",
       "days of raw events per new partition: each commit looks an event id up once per partition the "
       "idempotency window reaches, and a partition is dropped whole",
       1, 366, ApplyInt<StoreConfig, &Config::store, &StoreConfig::raw_event_partition_days>},
      {"LEDGER_MOVE_BATCH", "10000",
       "rows per transaction when moving an unpartitioned ledger into partitions (after an upgrade)", 100, 1000000,
       ApplyInt<StoreConfig, &Config::store, &StoreConfig::ledger_move_batch>},
      {"COMMIT_PER_TENANT", "false",
       "true: a worker commits each tenant of a batch with its own statement, fixed to its tenant_id (what Citus "
       "routes to one shard; one statement per tenant of a batch instead of one per batch)",
       0, 0, ApplyCommitPerTenant, false, "true, false, 1, 0; empty: false"},
      {"VALKEY_URL", "redis://localhost:6379/0", "Valkey (or Redis 7)", 0, 0, ApplyValkeyUrl, false,
       "redis://[[user]:password@]host[:port][/db], port 1..65535, db 0..15; or a Valkey Cluster: "
       "redis+cluster://[[user]:password@]host:port[,host:port...] (seed nodes, db 0 only)"},
      {"VALKEY_CLUSTER_MAX_REDIRECTS", "5",
       "Valkey Cluster: MOVED and ASK redirects followed per command; one more fails it (503 for a POST)", 0, 100,
       ApplyValkeyInt<&ValkeyEndpoint::cluster_max_redirects>},
      {"VALKEY_CLUSTER_RETRY_MS", "2000",
       "Valkey Cluster: ms a command may spend pausing on TRYAGAIN and CLUSTERDOWN (20 ms doubling to 500 ms) "
       "before it fails", 0, 60000, ApplyValkeyInt<&ValkeyEndpoint::cluster_retry_budget_ms>},
      {"QUEUE_NAME", "events", "the Valkey list events wait in", 0, 0, ApplyQueueName, false,
       "1..200 characters, no spaces, control characters or braces"},
      {"QUEUE_SHARDS", "1", "lists the queue is split into, by tenant; changing it needs an empty queue", 1, 1024,
       ApplyInt<QueueConfig, &Config::queue, &QueueConfig::shards>},
      {"VALKEY_MIN_REPLICAS_ACK", "0", "replicas that must confirm each push (WAIT) before POST answers 201", 0, 5,
       ApplyInt<QueueConfig, &Config::queue, &QueueConfig::min_replicas_ack>},
      {"VALKEY_REPLICA_ACK_TIMEOUT_MS", "1000", "ms a push waits for VALKEY_MIN_REPLICAS_ACK replicas; fewer: 503", 1,
       2000, ApplyInt<QueueConfig, &Config::queue, &QueueConfig::replica_ack_timeout_ms>},
      {"PUSH_LINGER_US", "1000",
       "microseconds the pusher gathers events for one Valkey call while calls carry 8 or more (at most until 64 wait); a "
       "request arriving alone is pushed at once (0: never wait)",
       0, 100000, ApplyInt<QueueConfig, &Config::queue, &QueueConfig::push_linger_us>},
      {"WORKER_CONCURRENCY", "2", "worker threads draining the queue", 1, 256,
       ApplyInt<WorkerConfig, &Config::worker, &WorkerConfig::concurrency>},
      {"BATCH_SIZE", "2000", "most events a worker commits in one transaction", 1, 10000,
       ApplyInt<WorkerConfig, &Config::worker, &WorkerConfig::max_batch_size>},
      {"BATCH_LINGER_MS", "50", "ms a worker waits after a partial batch so the next one is larger", 0, 10000,
       ApplyInt<WorkerConfig, &Config::worker, &WorkerConfig::linger_ms>},
      {"MAX_BODY_BYTES", "1048576", "largest request body (bigger: 413)", 1024, 64LL << 20,
       ApplyInt<HttpConfig, &Config::http, &HttpConfig::max_body_bytes>},
      {"MAX_QUEUE_DEPTH", "1000000", "waiting events above which POST answers 503", 1, 1LL << 40,
       ApplyInt<QueueConfig, &Config::queue, &QueueConfig::max_depth>},
      {"DEAD_LETTER_MAX", "100000", "entries kept in the dead-letter list; beyond it the oldest is dropped and counted",
       1, 100000000, ApplyInt<QueueConfig, &Config::queue, &QueueConfig::dead_letter_max>},
      {"QUEUE_LEASE_MS", "30000", "ms after which a silent worker's batch is put back", 1000, 3600000,
       ApplyInt<QueueConfig, &Config::queue, &QueueConfig::lease_ms>},
      {"MAX_HEADER_BYTES", "16384", "largest request line plus headers (bigger: 431)", 1024, 1 << 20,
       ApplyInt<HttpConfig, &Config::http, &HttpConfig::max_header_bytes>},
      {"MAX_CONNECTIONS", "10000", "open HTTP connections; more are closed at once", 1, 1000000,
       ApplyInt<HttpConfig, &Config::http, &HttpConfig::max_connections>},
      {"HTTP_IDLE_TIMEOUT_MS", "60000", "ms a kept-alive connection may wait for its next request", 100, 3600000,
       ApplyInt<HttpConfig, &Config::http, &HttpConfig::idle_timeout_ms>},
      {"HTTP_REQUEST_TIMEOUT_MS", "10000", "ms to receive a whole request once it began (slow clients)", 100,
       600000, ApplyInt<HttpConfig, &Config::http, &HttpConfig::request_timeout_ms>},
      {"IO_THREADS", "2", "threads serving HTTP", 1, 256, ApplyInt<HttpConfig, &Config::http, &HttpConfig::io_threads>},
      {"USAGE_READERS", "2", "threads (and PostgreSQL connections) serving usage reads", 1, 64,
       ApplyInt<StoreConfig, &Config::store, &StoreConfig::usage_readers>},
      {"HISTORY_READERS", "2", "threads (and PostgreSQL connections) serving usage series and the dashboard", 1,
       64, ApplyInt<StoreConfig, &Config::store, &StoreConfig::history_readers>},
      {"USAGE_CACHE_MS", "250", "ms a usage answer may be reused (0: never)", 0, 900,
       ApplyInt<StoreConfig, &Config::store, &StoreConfig::usage_cache_ms>},
      {"USAGE_MAX_FEATURES", "100",
       "features a usage answer lists, most tokens first; the rest are summed in otherFeatures", 1, 100000,
       ApplyInt<StoreConfig, &Config::store, &StoreConfig::usage_max_features>},
      {"USAGE_READ_QUEUE", "1000", "usage reads waiting for a reader thread; more answer 503 with Retry-After", 1,
       1000000, ApplyInt<StoreConfig, &Config::store, &StoreConfig::usage_read_queue>},
      {"HISTORY_READ_QUEUE", "1000",
       "history and dashboard reads waiting for a history thread; more answer 503 with Retry-After", 1, 1000000,
       ApplyInt<StoreConfig, &Config::store, &StoreConfig::history_read_queue>},
      {"ADMIN_TOKEN", "(unset)", "bearer token of the tenant admin API (16+ characters); unset: admin API off",
       0, 0, ApplyAdminToken, true, "16+ characters, no spaces; empty: off"},
      {"REQUIRE_API_KEYS", "false", "true: events and usage need a tenant's API key (or ADMIN_TOKEN)", 0, 0,
       ApplyRequireApiKeys, false, "true, false, 1, 0; empty: false"},
      {"ADMIN_THREADS", "2", "threads (and PostgreSQL connections) serving admin calls", 1, 64,
       ApplyInt<TenantsConfig, &Config::tenants, &TenantsConfig::admin_threads>},
      {"MAX_TENANTS_PER_PAGE", "500", "most tenants one page of /api/tenants or /api/dashboard may ask (limit=)", 1,
       10000, ApplyInt<TenantsConfig, &Config::tenants, &TenantsConfig::max_tenants_per_page>},
      {"API_KEY_REFRESH_MS", "1000", "ms between reloads of changed API keys (bounds revocation delay)", 100, 60000,
       ApplyInt<TenantsConfig, &Config::tenants, &TenantsConfig::key_refresh_ms>},
      {"API_KEY_MISS_CACHE", "100000", "unknown API keys remembered as unknown (each costs one look-up); oldest forgotten first",
       1, 10000000, ApplyInt<TenantsConfig, &Config::tenants, &TenantsConfig::key_miss_cache>},
      {"API_KEY_LOOKUP_QUEUE", "1000", "requests waiting for an API key look-up; more answer 503 with Retry-After", 1,
       1000000, ApplyInt<TenantsConfig, &Config::tenants, &TenantsConfig::key_lookup_queue>},
      {"AUTO_CREATE_TENANTS", "(true; false when REQUIRE_API_KEYS is true)",
       "true: an event for an unknown tenant creates it; false: such events answer 422", 0, 0,
       ApplyAutoCreateTenants, false, "true, false, 1, 0; empty: the default; true with REQUIRE_API_KEYS=true is an error"},
      {"MAX_TENANTS", "100000", "tenants beyond which events for new tenants answer 422 (PUT /api/tenants still creates)",
       1, 100000000, ApplyInt<TenantsConfig, &Config::tenants, &TenantsConfig::max_tenants>},
      {"TENANT_CREATION_QUEUE", "1000", "new tenant names waiting to be created; more answer 503 with Retry-After", 1,
       1000000, ApplyInt<TenantsConfig, &Config::tenants, &TenantsConfig::tenant_creation_queue>},
      {"ADMIN_QUEUE", "1000", "admin calls waiting for an admin thread; more answer 503 with Retry-After", 1, 1000000,
       ApplyInt<TenantsConfig, &Config::tenants, &TenantsConfig::admin_queue>},
      {"WEBHOOK_SECRET", "(unset)",
       "signs alert webhooks: X-FlagMeter-Signature: t=<unix s>,v1=<HMAC-SHA256 of \"t.delivery id.body\">", 0, 0,
       ApplyWebhookSecret, true, "any text; empty: webhooks unsigned"},
      {"WEBHOOK_TIMEOUT_MS", "5000", "ms allowed per webhook try (DNS, connect, send, answer)", 100, 60000,
       ApplyInt<AlertsConfig, &Config::alerts, &AlertsConfig::webhook_timeout_ms>},
      {"WEBHOOK_BACKOFF_MS", "1000", "ms before the second webhook try (doubles each try)", 0, 60000,
       ApplyInt<AlertsConfig, &Config::alerts, &AlertsConfig::webhook_backoff_ms>},
      {"ALERT_SENDERS", "2", "threads sending alert webhooks", 1, 16,
       ApplyInt<AlertsConfig, &Config::alerts, &AlertsConfig::senders>},
      {"ALERT_RETRY_AFTER_MS", "300000", "ms after which an alert left pending by a dead process is re-sent", 1000,
       86400000, ApplyInt<AlertsConfig, &Config::alerts, &AlertsConfig::stale_claim_ms>},
      {"WEBHOOK_MAX_TRIES", "10", "webhook tries per alert; then it is marked failed (kept across restarts)", 1, 100,
       ApplyInt<AlertsConfig, &Config::alerts, &AlertsConfig::webhook_max_tries>},
      {"WEBHOOK_MAX_BACKOFF_MS", "600000", "ms the doubling wait between webhook tries grows to, at most", 0,
       86400000, ApplyInt<AlertsConfig, &Config::alerts, &AlertsConfig::webhook_max_backoff_ms>},
      {"WEBHOOK_ALLOW_PRIVATE", "false",
       "true: webhooks may go to loopback, private, link-local... addresses (else 400 at PUT, refused at send)", 0,
       0, ApplyWebhookAllowPrivate, false, "true, false, 1, 0; empty: false"},
      {"LOG_LEVEL", "info", "least severe log level written", 0, 0, ApplyLogLevel, false,
       "trace, debug, info, warn, error"},
      {"LOG_FORMAT", "json", "log line format: one JSON object per line, or plain text", 0, 0, ApplyLogFormat, false,
       "json, text"},
  };
  return kVariables;
}

std::string AllowedText(const Variable& var) {
  if (var.allowed != nullptr) return var.allowed;
  return std::to_string(var.min) + ".." + std::to_string(var.max);
}

}  // namespace

Result<Config> LoadConfig(const std::function<const char*(const char*)>& getenv) {
  Config config;
  for (const Variable& var : Variables()) {
    const char* raw = getenv(var.name);
    if (raw == nullptr) continue;
    const std::string text(raw);
    const std::string problem = var.apply(config, text, var);
    if (!problem.empty()) {
      const std::string shown = var.secret ? "<hidden>" : text;
      return Status::InvalidArgument(std::string(var.name) + "='" + shown + "' " + problem);
    }
  }
  // A raw event dropped while its id is still in the window could be counted again.
  if (config.store.RawEventRetentionDays() < config.store.idempotency_window_days) {
    return Status::InvalidArgument(
        "RAW_EVENT_RETENTION_DAYS='" + std::to_string(config.store.RawEventRetentionDays()) +
        "' is shorter than IDEMPOTENCY_WINDOW_DAYS='" + std::to_string(config.store.idempotency_window_days) +
        "': an event id is remembered only while its raw event is kept (raise it, or unset it to follow the window)");
  }
  // A key belongs to a tenant that exists: with keys required, the only
  // callers that could create tenants by sending events hold ADMIN_TOKEN.
  if (config.tenants.require_api_keys && config.tenants.auto_create_tenants.value_or(false)) {
    return Status::InvalidArgument(
        "AUTO_CREATE_TENANTS='true' cannot be combined with REQUIRE_API_KEYS='true': with API keys required, "
        "create tenants with PUT /api/tenants/<name> (unset AUTO_CREATE_TENANTS or set it to false)");
  }
  return config;
}

std::string ConfigHelp() {
  std::ostringstream out;
  out << "flagmeter: usage metering service (HTTP -> Valkey queue -> workers -> PostgreSQL)\n\n"
         "Usage: flagmeter [--help | --version]\n\n"
         "Configuration is read from the environment:\n\n";
  for (const Variable& var : Variables()) {
    const std::size_t width = std::string_view(var.name).size();
    out << "  " << var.name << std::string(width < 24 ? 24 - width : 1, ' ') << var.meaning << "\n"
        << std::string(26, ' ') << "default: " << var.default_text << "; allowed: " << AllowedText(var) << "\n";
  }
  out << "\nBad configuration prints one line naming the variable and exits with code 2.\n";
  return out.str();
}

namespace {

bool ParseNumber(const std::string& text, int min, int max, int& out) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) return false;
  out = value;
  return true;
}

// "[[user]:password@]rest": takes the password off `rest`.
std::string TakePassword(std::string& rest) {
  const auto at = rest.rfind('@');
  if (at == std::string::npos) return "";
  const std::string credentials = rest.substr(0, at);
  rest = rest.substr(at + 1);
  const auto colon = credentials.find(':');
  return colon == std::string::npos ? credentials : credentials.substr(colon + 1);
}

// "host[:port]" (an IPv6 literal in brackets keeps its colons).
Status ParseHostPort(std::string text, bool port_required, ValkeyNodeAddress& out) {
  std::string port_text;
  if (const auto colon = text.rfind(':'); colon != std::string::npos && text.find(']') == std::string::npos) {
    port_text = text.substr(colon + 1);
    text = text.substr(0, colon);
  }
  if (text.empty()) return Status::InvalidArgument("must name a host (redis://host:port/db)");
  if (port_required && port_text.empty()) return Status::InvalidArgument("has a seed node without a port (host:port)");
  out.host = text;
  if (!port_text.empty() && !ParseNumber(port_text, 1, 65535, out.port)) {
    return Status::InvalidArgument("has a bad port (1..65535)");
  }
  return Status::Ok();
}

// "redis+cluster://[[user]:password@]host:port[,host:port...][/0]": the
// seed nodes, of which any one that answers tells the rest of the cluster.
Result<ValkeyEndpoint> ParseClusterUrl(std::string rest) {
  ValkeyEndpoint endpoint;
  endpoint.password = TakePassword(rest);
  if (const auto slash = rest.find('/'); slash != std::string::npos) {
    const std::string db_text = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
    if (!db_text.empty() && db_text != "0") {
      return Status::InvalidArgument(
          "names database " + db_text + ", but a Valkey Cluster has only database 0 (drop the /db part)");
    }
  }
  std::size_t begin = 0;
  while (begin <= rest.size()) {
    const auto comma = rest.find(',', begin);
    const std::string item = rest.substr(begin, comma == std::string::npos ? std::string::npos : comma - begin);
    ValkeyNodeAddress seed;
    if (Status status = ParseHostPort(item, /*port_required=*/true, seed); !status.ok()) return status;
    endpoint.cluster_seeds.push_back(std::move(seed));
    if (comma == std::string::npos) break;
    begin = comma + 1;
  }
  endpoint.host = endpoint.cluster_seeds.front().host;
  endpoint.port = endpoint.cluster_seeds.front().port;
  return endpoint;
}

}  // namespace

Result<ValkeyEndpoint> ParseValkeyUrl(const std::string& url) {
  constexpr std::string_view kScheme = "redis://";
  constexpr std::string_view kClusterScheme = "redis+cluster://";
  if (url.rfind(kClusterScheme, 0) == 0) return ParseClusterUrl(url.substr(kClusterScheme.size()));
  if (url.rfind(kScheme, 0) != 0) return Status::InvalidArgument("must be a redis:// or redis+cluster:// URL");
  std::string rest = url.substr(kScheme.size());
  ValkeyEndpoint endpoint;
  endpoint.password = TakePassword(rest);
  std::string db_text;
  if (const auto slash = rest.find('/'); slash != std::string::npos) {
    db_text = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  ValkeyNodeAddress server;
  if (Status status = ParseHostPort(rest, /*port_required=*/false, server); !status.ok()) return status;
  endpoint.host = server.host;
  endpoint.port = server.port;
  if (!db_text.empty() && !ParseNumber(db_text, 0, 15, endpoint.db)) {
    return Status::InvalidArgument("has a bad database number (0..15)");
  }
  return endpoint;
}

}  // namespace flagmeter
