-- checkout_core: 005_checkout_core_build_index_orders_support_lookup_idx_concurrently.down.sql
-- Undoes 005_checkout_core_build_index_orders_support_lookup_idx_concurrently.up.sql (step 7). Run
--   with migrate down 1 (see deployment-order.md).
-- A single statement, run outside any transaction block as PostgreSQL requires. Timeouts cannot be
--   set in this file: set them on the migration role, or run it with them in PGOPTIONS:
--   PGOPTIONS='-c lock_timeout=1min -c statement_timeout=1h' migrate -path . -database "$DATABASE_URL" down 1

-- ----------------------------------------------------------------------------
-- Undo step 7 of 11: Build index orders_support_lookup_idx concurrently (pre-deploy; forward in
--   005_checkout_core_build_index_orders_support_lookup_idx_concurrently.up.sql)
DROP INDEX CONCURRENTLY IF EXISTS orders_support_lookup_idx;
