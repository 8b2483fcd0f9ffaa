-- Revert checkout_core:build_index_orders_support_lookup_idx_concurrently from pg

-- ----------------------------------------------------------------------------
-- Undo step 7 of 11: Build index orders_support_lookup_idx concurrently (pre-deploy; forward in
--   deploy/build_index_orders_support_lookup_idx_concurrently.sql)
SET lock_timeout = '1min';
SET statement_timeout = '1h';
DROP INDEX CONCURRENTLY IF EXISTS orders_support_lookup_idx;
RESET lock_timeout;
RESET statement_timeout;
