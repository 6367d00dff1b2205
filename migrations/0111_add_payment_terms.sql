-- Issue 24 item 18. A pending payment is judged against the terms in force when it was submitted, never
-- against settings changed since: the fee amount (token base units, decimal string), the token, the
-- treasury and the confirmations required are stored on the row (the chain was already: chain_id).
-- NULL on rows submitted before this migration: those are judged against the current settings.
ALTER TABLE audition_fee_payments ADD COLUMN fee_amount TEXT;
ALTER TABLE audition_fee_payments ADD COLUMN fee_token TEXT;
ALTER TABLE audition_fee_payments ADD COLUMN fee_treasury TEXT;
ALTER TABLE audition_fee_payments ADD COLUMN fee_confirmations INTEGER;
