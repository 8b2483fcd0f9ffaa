-- Revert checkout_core:validate_constraint_orders_channel_check from pg

-- ----------------------------------------------------------------------------
-- Undo step 11 of 11: Validate constraint orders_channel_check (post-deploy; forward in
--   deploy/validate_constraint_orders_channel_check.sql)
-- Nothing to undo.
