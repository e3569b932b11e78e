-- FlagMeter schema, version 1. Applied once by ApplyMigrations, inside one
-- transaction; IF NOT EXISTS keeps a manual re-run harmless.

CREATE TABLE IF NOT EXISTS tenants (
  id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  name          text        NOT NULL UNIQUE,
  monthly_quota bigint      NOT NULL DEFAULT 1000000000 CHECK (monthly_quota >= 0),
  billing_day   smallint    NOT NULL DEFAULT 1 CHECK (billing_day BETWEEN 1 AND 28),
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- Raw events, kept for audit and idempotency: the primary key is what makes a
-- replayed (tenant, event id) count once.
CREATE TABLE IF NOT EXISTS events (
  tenant_id   uuid        NOT NULL REFERENCES tenants (id),
  event_id    text        NOT NULL,
  feature     text        NOT NULL,
  tokens      bigint      NOT NULL CHECK (tokens > 0),
  occurred_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL,
  stored_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, event_id)
);

-- Retention deletes by occurred_at ranges. Events arrive roughly in time
-- order, so a BRIN index serves those range scans at almost no cost per
-- insert, unlike a B-tree on the hot write path.
CREATE INDEX IF NOT EXISTS events_occurred_at_brin ON events USING brin (occurred_at);

-- Rollups, maintained in the same transaction as the events they count.
-- Buckets start at UTC minute / UTC midnight. A month's usage reads at most
-- 31 day rows per feature instead of ~43k minute rows.
CREATE TABLE IF NOT EXISTS usage_minute (
  tenant_id uuid        NOT NULL REFERENCES tenants (id),
  feature   text        NOT NULL,
  minute    timestamptz NOT NULL,
  tokens    bigint      NOT NULL CHECK (tokens >= 0),
  events    bigint      NOT NULL CHECK (events >= 0),
  PRIMARY KEY (tenant_id, feature, minute)
);

CREATE TABLE IF NOT EXISTS usage_day (
  tenant_id uuid        NOT NULL REFERENCES tenants (id),
  feature   text        NOT NULL,
  day       timestamptz NOT NULL,
  tokens    bigint      NOT NULL CHECK (tokens >= 0),
  events    bigint      NOT NULL CHECK (events >= 0),
  PRIMARY KEY (tenant_id, feature, day)
);
