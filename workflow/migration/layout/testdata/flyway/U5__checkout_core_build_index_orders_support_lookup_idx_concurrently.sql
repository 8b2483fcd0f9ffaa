-- checkout_core: U5__checkout_core_build_index_orders_support_lookup_idx_concurrently.sql
-- Undoes V5__checkout_core_build_index_orders_support_lookup_idx_concurrently.sql (step 7), with
--   flyway undo (Flyway Teams) or by hand.
-- U5__checkout_core_build_index_orders_support_lookup_idx_concurrently.sql.conf sets
--   executeInTransaction=false: an inverse here cannot run in a transaction block, so each
--   statement runs on its own with session timeouts.

-- ----------------------------------------------------------------------------
-- Undo step 7 of 11: Build index orders_support_lookup_idx concurrently (pre-deploy; forward in
--   V5__checkout_core_build_index_orders_support_lookup_idx_concurrently.sql)
SET lock_timeout = '1min';
SET statement_timeout = '1h';
DROP INDEX CONCURRENTLY IF EXISTS orders_support_lookup_idx;
RESET lock_timeout;
RESET statement_timeout;
