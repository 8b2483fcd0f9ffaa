-- checkout_core: U2__checkout_core_create_index_payment_events_payment_id_idx.sql
-- Undoes V2__checkout_core_create_index_payment_events_payment_id_idx.sql (step 4), with flyway
--   undo (Flyway Teams) or by hand.
-- U2__checkout_core_create_index_payment_events_payment_id_idx.sql.conf sets
--   executeInTransaction=false: an inverse here cannot run in a transaction block, so each
--   statement runs on its own with session timeouts.

-- ----------------------------------------------------------------------------
-- Undo step 4 of 11: Create index payment_events_payment_id_idx (pre-deploy; forward in
--   V2__checkout_core_create_index_payment_events_payment_id_idx.sql)
SET lock_timeout = '1min';
SET statement_timeout = '1h';
DROP INDEX CONCURRENTLY IF EXISTS payment_events_payment_id_idx;
RESET lock_timeout;
RESET statement_timeout;
