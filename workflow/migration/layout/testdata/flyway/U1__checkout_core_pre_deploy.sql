-- checkout_core: U1__checkout_core_pre_deploy.sql
-- Undoes V1__checkout_core_pre_deploy.sql (steps 3, 2, 1, in that order), with flyway undo (Flyway
--   Teams) or by hand.
-- Flyway runs this script in one transaction.

-- ----------------------------------------------------------------------------
-- Undo step 3 of 11: Create table payment_events (pre-deploy; forward in
--   V1__checkout_core_pre_deploy.sql)
-- Note: Drops the table with every row written to it since.
SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '5s';
DROP TABLE IF EXISTS payment_events;

-- ----------------------------------------------------------------------------
-- Undo step 2 of 11: Add constraint orders_channel_check NOT VALID (pre-deploy; forward in
--   V1__checkout_core_pre_deploy.sql)
SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '5s';
ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_channel_check;

-- ----------------------------------------------------------------------------
-- Undo step 1 of 11: Add column orders.channel (pre-deploy; forward in
--   V1__checkout_core_pre_deploy.sql)
-- Note: Drops the column with every value written to it since.
SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '5s';
ALTER TABLE orders DROP COLUMN IF EXISTS channel;
