-- Revert checkout_core:attach_constraint_payments_provider_reference_key from pg

-- ----------------------------------------------------------------------------
-- Undo step 6 of 11: Attach constraint payments_provider_reference_key (pre-deploy; forward in
--   deploy/attach_constraint_payments_provider_reference_key.sql)
BEGIN;
SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '5s';
ALTER TABLE payments DROP CONSTRAINT IF EXISTS payments_provider_reference_key;
COMMIT;
