-- Packets keep what existed at asOf (issue 23 item 10): a Polymarket market's first discovery time,
-- set on insert and never updated by the discovery upsert (ingested_at_ms is rewritten by every
-- discovery, so a market re-discovered after asOf used to drop out of older packets).
-- Existing rows: their last discovery is the best known first-seen time.
ALTER TABLE polymarket_markets ADD COLUMN first_seen_at_ms INTEGER NOT NULL DEFAULT 0;
UPDATE polymarket_markets SET first_seen_at_ms = ingested_at_ms;
ALTER TABLE polymarket_markets_staging ADD COLUMN first_seen_at_ms INTEGER NOT NULL DEFAULT 0;
