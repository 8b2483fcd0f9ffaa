-- Verify checkout_core:validate_constraint_orders_channel_check on pg

-- Fails (division by zero, or an unknown relation or column) when the change is missing.
BEGIN;
SELECT 1/count(*) FROM pg_constraint WHERE conrelid = to_regclass('orders') AND conname = 'orders_channel_check' AND convalidated;
ROLLBACK;
