-- checkout_core: 003_checkout_core_build_index_payments_provider_reference_key_concurrently.down.sql
-- Undoes 003_checkout_core_build_index_payments_provider_reference_key_concurrently.up.sql (step
--   5). Run with migrate down 1 (see deployment-order.md).
-- A single statement, run outside any transaction block as PostgreSQL requires. Timeouts cannot be
--   set in this file: set them on the migration role, or run it with them in PGOPTIONS:
--   PGOPTIONS='-c lock_timeout=1min -c statement_timeout=1h' migrate -path . -database "$DATABASE_URL" down 1

-- ----------------------------------------------------------------------------
-- Undo step 5 of 11: Build index payments_provider_reference_key concurrently (pre-deploy; forward
--   in 003_checkout_core_build_index_payments_provider_reference_key_concurrently.up.sql)
DROP INDEX CONCURRENTLY IF EXISTS payments_provider_reference_key;
