-- Event ids and feature names compare byte by byte, whatever the database's
-- locale. They are keys: the raw ledger's primary key holds event_id, the
-- rollups' primary keys hold feature, and every commit inserts into those
-- indexes and sorts the batch by them. Under a linguistic locale (the
-- official postgres image makes its cluster en_US.utf8) each of those
-- comparisons goes through strcoll; bytewise they are a memcmp. Equality is
-- byte equality under either, so no key changes meaning, and every listing
-- that sorts by feature already says COLLATE "C".
--
-- A collation change keeps the rows where they are but rebuilds each index
-- holding the column, under an ACCESS EXCLUSIVE lock: commits wait for it
-- (events keep queueing in Valkey meanwhile); docs/operations.md ("The
-- raw-event ledger") says how long it took.
ALTER TABLE events
  ALTER COLUMN event_id TYPE text COLLATE "C",
  ALTER COLUMN feature TYPE text COLLATE "C";
ALTER TABLE events_unpartitioned
  ALTER COLUMN event_id TYPE text COLLATE "C",
  ALTER COLUMN feature TYPE text COLLATE "C";
ALTER TABLE usage_minute ALTER COLUMN feature TYPE text COLLATE "C";
ALTER TABLE usage_hour ALTER COLUMN feature TYPE text COLLATE "C";
ALTER TABLE usage_day ALTER COLUMN feature TYPE text COLLATE "C";
