-- The archive index follows the newest object of each (table, symbol, day): every conditional R2
-- write of a day object carries generation = its base's generation + 1, and the index row only
-- moves to a generation at least as high as its own, so overlapping runs whose D1 batches land out
-- of order cannot point the index back at an older object.
ALTER TABLE hyperliquid_candle_archives ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
