-- checkout_core: 001_checkout_core_pre_deploy.down.sql
-- Undoes 001_checkout_core_pre_deploy.up.sql (steps 3, 2, 1, in that order). Run with migrate down
--   1 (see deployment-order.md).
-- golang-migrate sends this file as one query: its statements run in one implicit transaction.

-- ----------------------------------------------------------------------------
-- Undo step 3 of 11: Create table payment_events (pre-deploy; forward in
--   001_checkout_core_pre_deploy.up.sql)
-- Note: Drops the table with every row written to it since.
SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '5s';
DROP TABLE IF EXISTS payment_events;

-- ----------------------------------------------------------------------------
-- Undo step 2 of 11: Add constraint orders_channel_check NOT VALID (pre-deploy; forward in
--   001_checkout_core_pre_deploy.up.sql)
SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '5s';
ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_channel_check;

-- ----------------------------------------------------------------------------
-- Undo step 1 of 11: Add column orders.channel (pre-deploy; forward in
--   001_checkout_core_pre_deploy.up.sql)
-- Note: Drops the column with every value written to it since.
SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '5s';
ALTER TABLE orders DROP COLUMN IF EXISTS channel;
