-- Usage history and the dashboard read a tenant's minute rollups by time
-- range across all its features. The primary key (tenant_id, feature, minute)
-- would make such a read walk every minute the tenant ever had, feature by
-- feature; this index reaches the range directly. It holds only columns that
-- never change after a row is inserted, so the rollup upserts on the ingest
-- path can stay heap-only (HOT) updates.
CREATE INDEX IF NOT EXISTS usage_minute_tenant_minute ON usage_minute (tenant_id, minute);
