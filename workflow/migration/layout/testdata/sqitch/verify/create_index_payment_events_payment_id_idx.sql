-- Verify checkout_core:create_index_payment_events_payment_id_idx on pg

-- Fails (division by zero, or an unknown relation or column) when the change is missing.
BEGIN;
SELECT 1/count(*) FROM pg_index WHERE indexrelid = to_regclass('payment_events_payment_id_idx') AND indisvalid;
ROLLBACK;
