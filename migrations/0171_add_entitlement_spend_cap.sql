-- Spend caps (issue 23 item 15): an admin-set per-clone daily model spend cap on the user's entitlement,
-- in micro-USD per UTC day; NULL keeps the runtime's DECISION_DAILY_SPEND_CAP_MICRO_USD.
ALTER TABLE clone_entitlements ADD COLUMN max_daily_spend_micro_usd INTEGER;
