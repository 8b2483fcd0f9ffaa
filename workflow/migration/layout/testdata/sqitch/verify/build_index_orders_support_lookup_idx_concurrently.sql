-- Verify checkout_core:build_index_orders_support_lookup_idx_concurrently on pg

-- Fails (division by zero, or an unknown relation or column) when the change is missing.
BEGIN;
SELECT 1/count(*) FROM pg_index WHERE indexrelid = to_regclass('orders_support_lookup_idx') AND indisvalid;
ROLLBACK;
