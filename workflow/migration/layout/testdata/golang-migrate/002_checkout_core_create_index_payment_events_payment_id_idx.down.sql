-- checkout_core: 002_checkout_core_create_index_payment_events_payment_id_idx.down.sql
-- Undoes 002_checkout_core_create_index_payment_events_payment_id_idx.up.sql (step 4). Run with
--   migrate down 1 (see deployment-order.md).
-- A single statement, run outside any transaction block as PostgreSQL requires. Timeouts cannot be
--   set in this file: set them on the migration role, or run it with them in PGOPTIONS:
--   PGOPTIONS='-c lock_timeout=1min -c statement_timeout=1h' migrate -path . -database "$DATABASE_URL" down 1

-- ----------------------------------------------------------------------------
-- Undo step 4 of 11: Create index payment_events_payment_id_idx (pre-deploy; forward in
--   002_checkout_core_create_index_payment_events_payment_id_idx.up.sql)
DROP INDEX CONCURRENTLY IF EXISTS payment_events_payment_id_idx;
