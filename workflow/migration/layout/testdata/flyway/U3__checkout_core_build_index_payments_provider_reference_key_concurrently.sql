-- checkout_core: U3__checkout_core_build_index_payments_provider_reference_key_concurrently.sql
-- Undoes V3__checkout_core_build_index_payments_provider_reference_key_concurrently.sql (step 5),
--   with flyway undo (Flyway Teams) or by hand.
-- U3__checkout_core_build_index_payments_provider_reference_key_concurrently.sql.conf sets
--   executeInTransaction=false: an inverse here cannot run in a transaction block, so each
--   statement runs on its own with session timeouts.

-- ----------------------------------------------------------------------------
-- Undo step 5 of 11: Build index payments_provider_reference_key concurrently (pre-deploy; forward
--   in V3__checkout_core_build_index_payments_provider_reference_key_concurrently.sql)
SET lock_timeout = '1min';
SET statement_timeout = '1h';
DROP INDEX CONCURRENTLY IF EXISTS payments_provider_reference_key;
RESET lock_timeout;
RESET statement_timeout;
