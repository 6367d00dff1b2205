-- The live accounts' WebSocket stream (userEvents / orderUpdates, live-stream.service.ts) writes into the
-- same tables as the `/info` poll. `source` says which path stored a row first ('stream' or 'poll'): a
-- fill or settlement seen by both is stored once, by whichever came first, and the reconcile report
-- counts what the stream already delivered. `exchange_status` is the last order status the exchange
-- pushed for an order (orderUpdates `status`, e.g. open / filled / canceled) at `exchange_status_at_ms`.
ALTER TABLE live_fills ADD COLUMN source TEXT NOT NULL DEFAULT 'poll';
ALTER TABLE live_funding ADD COLUMN source TEXT NOT NULL DEFAULT 'poll';
ALTER TABLE live_orders ADD COLUMN exchange_status TEXT;
ALTER TABLE live_orders ADD COLUMN exchange_status_at_ms INTEGER;
