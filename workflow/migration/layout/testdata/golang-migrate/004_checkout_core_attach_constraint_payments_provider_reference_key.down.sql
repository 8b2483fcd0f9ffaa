-- checkout_core: 004_checkout_core_attach_constraint_payments_provider_reference_key.down.sql
-- Undoes 004_checkout_core_attach_constraint_payments_provider_reference_key.up.sql (step 6). Run
--   with migrate down 1 (see deployment-order.md).
-- golang-migrate sends this file as one query: its statements run in one implicit transaction.

-- ----------------------------------------------------------------------------
-- Undo step 6 of 11: Attach constraint payments_provider_reference_key (pre-deploy; forward in
--   004_checkout_core_attach_constraint_payments_provider_reference_key.up.sql)
SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '5s';
ALTER TABLE payments DROP CONSTRAINT IF EXISTS payments_provider_reference_key;
