-- The order in which copies of an event id were accepted (stamped by the
-- queue across all instances), so that the first accepted copy's values are
-- the ones counted even when a later copy reaches the database first.
ALTER TABLE events ADD COLUMN IF NOT EXISTS accept_seq bigint NOT NULL DEFAULT 0;

-- Replacing a later copy moves its values out of the rollups with negative
-- deltas (INSERT ... ON CONFLICT DO UPDATE adds them); PostgreSQL checks the
-- proposed row before it resolves the conflict, so the rollups cannot carry
-- non-negativity checks. Their totals stay non-negative: a delta only
-- removes what the same key received before.
ALTER TABLE usage_minute DROP CONSTRAINT IF EXISTS usage_minute_tokens_check;
ALTER TABLE usage_minute DROP CONSTRAINT IF EXISTS usage_minute_events_check;
ALTER TABLE usage_day DROP CONSTRAINT IF EXISTS usage_day_tokens_check;
ALTER TABLE usage_day DROP CONSTRAINT IF EXISTS usage_day_events_check;
