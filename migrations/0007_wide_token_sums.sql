-- Rollup sums that cannot overflow. One event may carry 2^53-1 tokens, so
-- 1,024 of them in one minute passed bigint's 2^63-1: every later batch
-- touching that bucket failed with "bigint out of range". numeric adds
-- exactly with no bound; the readers hold sums in 128 bits (2^74 events at
-- the maximum). Events keep bigint: one event's tokens always fit.
-- Each ALTER rewrites its table under an exclusive lock: ingest waits (its
-- events stay queued) until the migration commits.
ALTER TABLE usage_minute ALTER COLUMN tokens TYPE numeric;
ALTER TABLE usage_hour ALTER COLUMN tokens TYPE numeric;
ALTER TABLE usage_day ALTER COLUMN tokens TYPE numeric;
