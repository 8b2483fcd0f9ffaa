-- checkout_core: 008_checkout_core_validate_constraint_orders_channel_check.down.sql
-- Undoes 008_checkout_core_validate_constraint_orders_channel_check.up.sql (step 11). Run with
--   migrate down 1 (see deployment-order.md).
-- golang-migrate sends this file as one query: its statements run in one implicit transaction.

-- ----------------------------------------------------------------------------
-- Undo step 11 of 11: Validate constraint orders_channel_check (post-deploy; forward in
--   008_checkout_core_validate_constraint_orders_channel_check.up.sql)
-- Nothing to undo.
