-- Revert checkout_core:alter_table_payments from pg

-- ----------------------------------------------------------------------------
-- Undo step 6 of 11: ALTER TABLE payments (pre-deploy; forward in deploy/alter_table_payments.sql)
BEGIN;
SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '5s';
ALTER TABLE payments DROP CONSTRAINT IF EXISTS payments_provider_reference_key;
COMMIT;
