-- 001_checkout_core.sql: checkout reliability launch, forward migration.
--
-- Deployment order:
--   1. run this file from the deploy pipeline, outside a transaction block
--      (CREATE INDEX CONCURRENTLY cannot run inside one);
--   2. roll out the application version that writes payment_events and reads orders.channel;
--   3. keep the previous application version deployable until the rollout is done:
--      it ignores the new column and table.
--
-- Rollback notes are kept next to each step.

-- Launch DDL: where an order came from (web checkout, API, support on behalf of the buyer).
-- Nullable with no default, so adding it only touches the catalog.
-- Rollback: ALTER TABLE orders DROP COLUMN channel;
ALTER TABLE orders ADD COLUMN channel text
    CHECK (channel IN ('web', 'api', 'support'));

-- Launch DDL: every provider callback as received, so a replayed callback is recognised and
-- processing stays idempotent.
-- Rollback: DROP TABLE payment_events;
CREATE TABLE payment_events (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payment_id         bigint NOT NULL REFERENCES payments (id),
    provider           text NOT NULL,
    provider_event_id  text NOT NULL,
    event_type         text NOT NULL,
    payload            jsonb NOT NULL,
    received_at        timestamptz NOT NULL DEFAULT now(),
    processed_at       timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT payment_events_provider_event_key UNIQUE (provider, provider_event_id)
);

CREATE INDEX payment_events_payment_id_idx ON payment_events (payment_id);

-- Item payment-provider-reference-unique: uniqueness guard for the payment provider reference,
-- staged. Build the unique index without blocking writes, then attach it as a constraint
-- (only a brief lock for the catalog update). Fails if duplicates exist: run the staging
-- duplicate check first.
-- Rollback: ALTER TABLE payments DROP CONSTRAINT payments_provider_reference_key;
CREATE UNIQUE INDEX CONCURRENTLY payments_provider_reference_key
    ON payments (provider, provider_reference);
ALTER TABLE payments
    ADD CONSTRAINT payments_provider_reference_key
    UNIQUE USING INDEX payments_provider_reference_key;

-- Item orders-support-lookup-index: composite index for the support order lookup
-- (customer, status, newest first).
-- Rollback: DROP INDEX orders_support_lookup_idx;
CREATE INDEX orders_support_lookup_idx
    ON orders (customer_id, status, created_at DESC);

-- Item checkout-cleanup: broad production cleanup during the checkout deploy.
-- Removes abandoned carts older than 90 days and scrubs stored provider payloads.
-- Rollback: none (deleted rows and payloads are gone).
DELETE FROM checkout_sessions
WHERE status = 'abandoned'
  AND created_at < now() - interval '90 days';

UPDATE payments SET provider_payload = NULL;
