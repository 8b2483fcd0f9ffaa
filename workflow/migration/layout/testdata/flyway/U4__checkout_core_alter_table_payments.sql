-- checkout_core: U4__checkout_core_alter_table_payments.sql
-- Undoes V4__checkout_core_alter_table_payments.sql (step 6), with flyway undo (Flyway Teams) or by
--   hand.
-- Flyway runs this script in one transaction.

-- ----------------------------------------------------------------------------
-- Undo step 6 of 11: ALTER TABLE payments (pre-deploy; forward in
--   V4__checkout_core_alter_table_payments.sql)
SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '5s';
ALTER TABLE payments DROP CONSTRAINT IF EXISTS payments_provider_reference_key;
