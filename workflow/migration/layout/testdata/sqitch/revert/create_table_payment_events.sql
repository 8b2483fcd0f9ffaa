-- Revert checkout_core:create_table_payment_events from pg

-- ----------------------------------------------------------------------------
-- Undo step 3 of 11: Create table payment_events (pre-deploy; forward in
--   deploy/create_table_payment_events.sql)
-- Note: Drops the table with every row written to it since.
BEGIN;
SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '5s';
DROP TABLE IF EXISTS payment_events;
COMMIT;
