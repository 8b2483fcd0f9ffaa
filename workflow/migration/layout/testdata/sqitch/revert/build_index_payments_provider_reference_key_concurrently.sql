-- Revert checkout_core:build_index_payments_provider_reference_key_concurrently from pg

-- ----------------------------------------------------------------------------
-- Undo step 5 of 11: Build index payments_provider_reference_key concurrently (pre-deploy; forward
--   in deploy/build_index_payments_provider_reference_key_concurrently.sql)
SET lock_timeout = '1min';
SET statement_timeout = '1h';
DROP INDEX CONCURRENTLY IF EXISTS payments_provider_reference_key;
RESET lock_timeout;
RESET statement_timeout;
