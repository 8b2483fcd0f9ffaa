-- checkout_core: 004_checkout_core_alter_table_payments.down.sql
-- Undoes 004_checkout_core_alter_table_payments.up.sql (step 6). Run with migrate down 1 (see
--   deployment-order.md).
-- golang-migrate sends this file as one query: its statements run in one implicit transaction.

-- ----------------------------------------------------------------------------
-- Undo step 6 of 11: ALTER TABLE payments (pre-deploy; forward in
--   004_checkout_core_alter_table_payments.up.sql)
SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '5s';
ALTER TABLE payments DROP CONSTRAINT IF EXISTS payments_provider_reference_key;
