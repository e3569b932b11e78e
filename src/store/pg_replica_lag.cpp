#include "flagmeter/store/pg_replica_lag.hpp"

#include <utility>
#include <vector>

#include <pqxx/pqxx>

#include "store/pg_connection.hpp"
#include "store/pg_errors.hpp"

namespace flagmeter {
namespace {

constexpr int kMaxRetries = 0;
constexpr char kConnectTimeoutSeconds[] = "2";  // libpq's least useful value
constexpr char kStatementTimeout[] = "1000";    // milliseconds

// WAL positions as byte offsets (text: a numeric may exceed what pqxx reads
// as a double exactly). pg_stat_wal_receiver shows a row, with its pid to
// anyone, while a WAL receiver process runs.
constexpr char kStandbySql[] = R"sql(
SELECT pg_is_in_recovery(),
       EXISTS (SELECT 1 FROM pg_stat_wal_receiver),
       (pg_last_wal_receive_lsn() - '0/0'::pg_lsn)::text,
       (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::text,
       extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8
)sql";

std::optional<std::int64_t> Offset(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return std::stoll(field.as<std::string>());
}

}  // namespace

PgReplicaLag::PgReplicaLag(std::string standby_url)
    : connection_(std::make_unique<PgConnection>(
          WithConnectionParameter(standby_url, "connect_timeout", kConnectTimeoutSeconds),
          std::vector<PreparedStatement>{{"fm_standby_positions", kStandbySql}},
          std::vector<std::pair<std::string, std::string>>{{"statement_timeout", kStatementTimeout}})) {}

PgReplicaLag::~PgReplicaLag() = default;

Result<ReplicaSample> PgReplicaLag::Measure() {
  Result<StandbyPositions> positions =
      RunWithRetries<StandbyPositions>(*connection_, "store: check the standby's lag", kMaxRetries, [&] {
        pqxx::nontransaction tx(connection_->Get(), "standby_positions");
        const pqxx::row row = tx.exec_prepared1("fm_standby_positions");
        StandbyPositions read;
        read.in_recovery = row[0].as<bool>();
        read.receiving = row[1].as<bool>();
        read.received = Offset(row[2]);
        read.replayed = Offset(row[3]);
        if (!row[4].is_null()) read.since_last_replay = row[4].as<double>();
        return Result<StandbyPositions>(read);
      });
  if (!positions.ok()) return positions.status();
  return ReplicaSample{.in_recovery = positions->in_recovery,
                       .lag_seconds = estimator_.Estimate(*positions, ReplicaLagEstimator::Clock::now())};
}

}  // namespace flagmeter
