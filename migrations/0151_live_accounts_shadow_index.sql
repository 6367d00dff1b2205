-- The decision intake finds a live account by its paper shadow on every submit (live-dispatch.service.ts):
-- one shadow belongs to one live account.
CREATE UNIQUE INDEX live_accounts_shadow_uq ON live_accounts (shadow_account_id);
