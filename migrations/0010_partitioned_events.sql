-- Raw events partitioned by ledger day, so that retention drops whole
-- partitions instead of deleting rows, and the table a commit writes to stays
-- small whatever the ledger's age. Rollups are not touched.
--
-- This migration only renames and creates: it takes a moment whatever the
-- ledger's size. The rows of the unpartitioned ledger stay in
-- events_unpartitioned, where the commit path still finds them (deduplication
-- and replacement), and the ledger maintainer moves them into the partitioned
-- table in batches while ingest goes on (src/store/ledger_maintainer.cpp).
-- The emptied table stays: the commit statement names it.

ALTER TABLE events RENAME TO events_unpartitioned;
ALTER INDEX IF EXISTS events_pkey RENAME TO events_unpartitioned_pkey;
ALTER INDEX IF EXISTS events_occurred_at_brin RENAME TO events_unpartitioned_occurred_at_brin;

-- A unique key on a partitioned table must contain the partition key. Every
-- row of a partition carries the same ledger_period (the partition's first
-- day), so the key (tenant_id, event_id, ledger_period) makes an event id
-- unique within its partition; the commit statement looks the id up in the
-- older partitions the idempotency window reaches before adding it
-- (src/store/pg_event_store.cpp).
CREATE TABLE events (
  tenant_id   uuid        NOT NULL,
  event_id    text        NOT NULL,
  feature     text        NOT NULL,
  tokens      bigint      NOT NULL CHECK (tokens > 0),
  occurred_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL,
  stored_at   timestamptz NOT NULL DEFAULT now(),
  accept_seq  bigint      NOT NULL DEFAULT 0,
  -- The first day of the partition the row was committed to (the
  -- ledger_clock's period then); -infinity for rows moved from the
  -- unpartitioned ledger.
  ledger_period date      NOT NULL,
  PRIMARY KEY (tenant_id, event_id, ledger_period)
) PARTITION BY RANGE (ledger_period);
CREATE INDEX events_occurred_at_brin ON events USING brin (occurred_at);

-- The partitions, [start, stop) in ledger days, kept in the same
-- transactions that create and drop them.
CREATE TABLE ledger_periods (
  start     date PRIMARY KEY,
  stop      date NOT NULL UNIQUE CHECK (stop > start),
  relation  text NOT NULL UNIQUE
);

-- The ledger's day (the maintainer's clock, UTC) and the period commits file
-- their events under: the start of the partition holding `day`. Only the
-- ledger maintainer moves them forward, under the ledger lock taken
-- exclusive, which every commit holds shared (fm_lock_ledger): no commit of
-- one period runs concurrently with one of the next, so a copy committed in
-- one period is always seen by a commit in a later one.
CREATE TABLE ledger_clock (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  day       date    NOT NULL,
  period    date    NOT NULL REFERENCES ledger_periods (start) CHECK (period <= day)
);

-- The rows moved from events_unpartitioned go to the partition before the
-- first period, dropped once the first period's start is older than the
-- retention.
DO $$
DECLARE
  today date := (now() AT TIME ZONE 'UTC')::date;
BEGIN
  EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)',
                 'events_before_' || to_char(today, 'YYYYMMDD'), '-infinity'::date, today);
  EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)',
                 'events_' || to_char(today, 'YYYYMMDD'), today, today + 31);
  INSERT INTO ledger_periods (start, stop, relation)
  VALUES ('-infinity', today, 'events_before_' || to_char(today, 'YYYYMMDD')),
         (today, today + 31, 'events_' || to_char(today, 'YYYYMMDD'));
  INSERT INTO ledger_clock (day, period) VALUES (today, today);
END $$;

-- Takes the ledger lock shared until the transaction ends, then reads the
-- clock: the period to commit under, and the first period whose partition a
-- copy accepted within the last `window_days` days can lie in. A statement
-- of its own before the commit's, so that the commit's snapshot is taken
-- after the lock was granted and sees every commit of an earlier period.
-- Volatile: the read takes its snapshot after the lock.
CREATE FUNCTION fm_lock_ledger(window_days integer, OUT period date, OUT window_from date)
LANGUAGE plpgsql VOLATILE AS $fn$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(7380674547062105458);  -- "fmledger"
  SELECT c.period,
         coalesce((SELECT max(p.start) FROM ledger_periods p WHERE p.start <= c.day - window_days), '-infinity')
    INTO period, window_from
    FROM ledger_clock c;
END
$fn$;
