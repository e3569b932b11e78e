-- Tenant settings, API keys and threshold alerts (schema version 2).

ALTER TABLE tenants ADD COLUMN IF NOT EXISTS webhook_url text;
ALTER TABLE tenants ADD COLUMN IF NOT EXISTS alert_thresholds integer[] NOT NULL DEFAULT '{80,100}';
ALTER TABLE tenants ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now();

-- One row whose counter every key change bumps in its own transaction. The
-- row lock makes writers take turns, so versions become visible in commit
-- order and an instance that has seen version N has seen every change <= N:
-- reading "version > last seen" never skips a revocation.
CREATE TABLE IF NOT EXISTS api_key_changes (
  id      boolean PRIMARY KEY DEFAULT true CHECK (id),
  version bigint  NOT NULL
);
INSERT INTO api_key_changes (id, version) VALUES (true, 0) ON CONFLICT DO NOTHING;

-- Only the SHA-256 of a key is kept; the key itself is shown once, at creation.
CREATE TABLE IF NOT EXISTS api_keys (
  key_id     text        PRIMARY KEY,
  tenant_id  uuid        NOT NULL REFERENCES tenants (id),
  key_hash   text        NOT NULL UNIQUE,
  key_hint   text        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  version    bigint      NOT NULL
);
CREATE INDEX IF NOT EXISTS api_keys_version ON api_keys (version);
CREATE INDEX IF NOT EXISTS api_keys_tenant ON api_keys (tenant_id);

-- One row per (tenant, billing period, threshold): inserting it is the claim
-- that makes a threshold alert go out once, whichever worker or instance
-- sees the crossing first. status: pending (claimed, being sent), delivered,
-- failed (every try failed). updated_at is refreshed before each try, so a
-- pending row that stops moving was left by a process that died mid-send.
CREATE TABLE IF NOT EXISTS alert_deliveries (
  tenant_id    uuid        NOT NULL REFERENCES tenants (id),
  period_start timestamptz NOT NULL,
  threshold    integer     NOT NULL CHECK (threshold > 0),
  status       text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts     integer     NOT NULL DEFAULT 0,
  last_error   text,
  payload      text        NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz,
  PRIMARY KEY (tenant_id, period_start, threshold)
);
CREATE INDEX IF NOT EXISTS alert_deliveries_pending ON alert_deliveries (updated_at) WHERE status = 'pending';
