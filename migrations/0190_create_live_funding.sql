-- Funding payments of live accounts as the exchange reports them (`/info {type:"userFunding"}`), read by
-- reconciliation. The exchange settles funding once per coin per interval and sends every settlement with
-- the zero hash, so the key is (account, coin, settlement time): re-reading a window is idempotent.
CREATE TABLE live_funding (
  live_account_id TEXT NOT NULL,
  coin TEXT NOT NULL,
  time_ms INTEGER NOT NULL,
  usdc_micro_usd INTEGER NOT NULL,
  szi TEXT NOT NULL,
  funding_rate TEXT NOT NULL,
  PRIMARY KEY (live_account_id, coin, time_ms)
);
