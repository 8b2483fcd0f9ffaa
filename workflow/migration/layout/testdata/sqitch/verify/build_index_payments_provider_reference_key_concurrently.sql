-- Verify checkout_core:build_index_payments_provider_reference_key_concurrently on pg

-- Fails (division by zero, or an unknown relation or column) when the change is missing.
BEGIN;
SELECT 1/count(*) FROM pg_index WHERE indexrelid = to_regclass('payments_provider_reference_key') AND indisvalid;
ROLLBACK;
