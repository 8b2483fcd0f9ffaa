-- Revert checkout_core:create_index_payment_events from pg

-- ----------------------------------------------------------------------------
-- Undo step 4 of 11: CREATE INDEX payment_events (pre-deploy; forward in
--   deploy/create_index_payment_events.sql)
SET lock_timeout = '1min';
SET statement_timeout = '1h';
DROP INDEX CONCURRENTLY IF EXISTS payment_events_payment_id_idx;
RESET lock_timeout;
RESET statement_timeout;
