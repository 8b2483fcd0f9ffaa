-- checkout_core: U4__checkout_core_attach_constraint_payments_provider_reference_key.sql
-- Undoes V4__checkout_core_attach_constraint_payments_provider_reference_key.sql (step 6), with
--   flyway undo (Flyway Teams) or by hand.
-- Flyway runs this script in one transaction.

-- ----------------------------------------------------------------------------
-- Undo step 6 of 11: Attach constraint payments_provider_reference_key (pre-deploy; forward in
--   V4__checkout_core_attach_constraint_payments_provider_reference_key.sql)
SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '5s';
ALTER TABLE payments DROP CONSTRAINT IF EXISTS payments_provider_reference_key;
