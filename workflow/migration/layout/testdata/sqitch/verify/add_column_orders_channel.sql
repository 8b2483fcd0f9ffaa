-- Verify checkout_core:add_column_orders_channel on pg

-- Fails (division by zero, or an unknown relation or column) when the change is missing.
BEGIN;
SELECT channel FROM orders WHERE false;
ROLLBACK;
