-- Revert checkout_core:create_index_payment_events_payment_id_idx from pg

-- ----------------------------------------------------------------------------
-- Undo step 4 of 11: Create index payment_events_payment_id_idx (pre-deploy; forward in
--   deploy/create_index_payment_events_payment_id_idx.sql)
SET lock_timeout = '1min';
SET statement_timeout = '1h';
DROP INDEX CONCURRENTLY IF EXISTS payment_events_payment_id_idx;
RESET lock_timeout;
RESET statement_timeout;
