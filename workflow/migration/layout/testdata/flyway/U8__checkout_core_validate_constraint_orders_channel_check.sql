-- checkout_core: U8__checkout_core_validate_constraint_orders_channel_check.sql
-- Undoes V8__checkout_core_validate_constraint_orders_channel_check.sql (step 11), with flyway undo
--   (Flyway Teams) or by hand.
-- Flyway runs this script in one transaction.

-- ----------------------------------------------------------------------------
-- Undo step 11 of 11: Validate constraint orders_channel_check (post-deploy; forward in
--   V8__checkout_core_validate_constraint_orders_channel_check.sql)
-- Nothing to undo.
