-- Hourly rollups, kept by the same transaction as the minute and day ones,
-- so a month of hourly history reads about 720 rows per feature instead of
-- summing 43,200 minute rows per feature.
CREATE TABLE IF NOT EXISTS usage_hour (
  tenant_id uuid        NOT NULL REFERENCES tenants (id),
  feature   text        NOT NULL,
  hour      timestamptz NOT NULL,
  tokens    bigint      NOT NULL,
  events    bigint      NOT NULL,
  PRIMARY KEY (tenant_id, feature, hour)
);
CREATE INDEX IF NOT EXISTS usage_hour_tenant_hour ON usage_hour (tenant_id, hour);

-- What the minute rollups already hold. Runs inside the migration's
-- transaction, so no batch commits between the backfill and the version
-- being recorded on this database's upgrade path.
INSERT INTO usage_hour (tenant_id, feature, hour, tokens, events)
SELECT tenant_id, feature, date_trunc('hour', minute, 'UTC'), sum(tokens), sum(events)
FROM usage_minute
GROUP BY 1, 2, 3
ON CONFLICT (tenant_id, feature, hour) DO NOTHING;
