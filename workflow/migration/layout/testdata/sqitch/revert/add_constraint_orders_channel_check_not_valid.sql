-- Revert checkout_core:add_constraint_orders_channel_check_not_valid from pg

-- ----------------------------------------------------------------------------
-- Undo step 2 of 11: Add constraint orders_channel_check NOT VALID (pre-deploy; forward in
--   deploy/add_constraint_orders_channel_check_not_valid.sql)
BEGIN;
SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '5s';
ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_channel_check;
COMMIT;
