-- Verify checkout_core:create_table_payment_events on pg

-- Fails (division by zero, or an unknown relation or column) when the change is missing.
BEGIN;
SELECT id, payment_id, provider, provider_event_id, event_type, payload, received_at, processed_at, created_at, updated_at FROM payment_events WHERE false;
ROLLBACK;
