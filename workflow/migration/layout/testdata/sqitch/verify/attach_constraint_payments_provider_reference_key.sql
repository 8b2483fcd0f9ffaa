-- Verify checkout_core:attach_constraint_payments_provider_reference_key on pg

-- Fails (division by zero, or an unknown relation or column) when the change is missing.
BEGIN;
SELECT 1/count(*) FROM pg_constraint WHERE conrelid = to_regclass('payments') AND conname = 'payments_provider_reference_key' AND convalidated;
ROLLBACK;
