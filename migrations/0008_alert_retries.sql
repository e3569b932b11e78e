-- Failed webhook tries wait in the database for their next one (schema
-- version 8). A pending row with next_try_at set belongs to no process: the
-- first instance whose sweep finds it due takes it (FOR UPDATE SKIP LOCKED)
-- and clears next_try_at while it tries, so retries survive restarts and
-- each try is made once. A pending row without next_try_at is being tried;
-- when its updated_at stops moving its process died (ALERT_RETRY_AFTER_MS).
ALTER TABLE alert_deliveries ADD COLUMN IF NOT EXISTS next_try_at timestamptz;
CREATE INDEX IF NOT EXISTS alert_deliveries_next_try ON alert_deliveries (next_try_at)
  WHERE status = 'pending' AND next_try_at IS NOT NULL;
