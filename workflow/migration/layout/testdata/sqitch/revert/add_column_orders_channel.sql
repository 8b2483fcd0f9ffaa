-- Revert checkout_core:add_column_orders_channel from pg

-- ----------------------------------------------------------------------------
-- Undo step 1 of 11: Add column orders.channel (pre-deploy; forward in
--   deploy/add_column_orders_channel.sql)
-- Note: Drops the column with every value written to it since.
BEGIN;
SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '5s';
ALTER TABLE orders DROP COLUMN IF EXISTS channel;
COMMIT;
