-- Checkout reliability: schema draft
-- Drafted from notes.md before any production connection. First-pass indexes only;
-- the review stage decides which of them stay and which are missing.

CREATE TABLE customers (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email              text NOT NULL,
    display_name       text,
    phone              text,
    company_name       text,
    tax_id             text,
    billing_line1      text,
    billing_line2      text,
    billing_city       text,
    billing_postcode   text,
    billing_country    char(2),
    preferred_locale   text,
    marketing_opt_in   boolean,
    closed_at          timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT customers_email_key UNIQUE (email)
);

CREATE TABLE orders (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id         bigint NOT NULL REFERENCES customers (id),
    status              text NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'paid', 'fulfilled', 'cancelled', 'refunded')),
    currency            char(3) NOT NULL,
    total_amount_cents  bigint NOT NULL CHECK (total_amount_cents >= 0),
    idempotency_key     text NOT NULL,
    metadata            jsonb NOT NULL DEFAULT '{}',
    placed_at           timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT orders_idempotency_key_key UNIQUE (idempotency_key)
);

CREATE INDEX orders_status_idx ON orders (status);

CREATE TABLE order_items (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id          bigint NOT NULL REFERENCES orders (id),
    sku               text NOT NULL,
    quantity          integer NOT NULL CHECK (quantity > 0),
    unit_price_cents  bigint NOT NULL CHECK (unit_price_cents >= 0),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX order_items_order_id_idx ON order_items (order_id);

CREATE TABLE payments (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id            bigint NOT NULL REFERENCES orders (id),
    provider            text NOT NULL,
    provider_reference  text NOT NULL,
    amount_cents        bigint NOT NULL CHECK (amount_cents > 0),
    currency            char(3) NOT NULL,
    status              text CHECK (status IN ('authorized', 'captured', 'failed', 'voided')),
    provider_payload    jsonb,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX payments_order_id_idx ON payments (order_id);
CREATE INDEX payments_provider_reference_idx ON payments (provider_reference);

CREATE TABLE refunds (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payment_id    bigint NOT NULL REFERENCES payments (id),
    amount_cents  bigint NOT NULL CHECK (amount_cents > 0),
    requested_by  text NOT NULL CHECK (requested_by IN ('customer', 'support', 'fraud-rule')),
    reason_code   text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX refunds_payment_id_idx ON refunds (payment_id);

CREATE TABLE checkout_sessions (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id    bigint REFERENCES customers (id),
    status         text NOT NULL DEFAULT 'open'
                   CHECK (status IN ('open', 'converted', 'abandoned')),
    cart_snapshot  jsonb NOT NULL,
    expires_at     timestamptz NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX checkout_sessions_expires_at_idx ON checkout_sessions (expires_at);

CREATE TABLE support_notes (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id  bigint NOT NULL REFERENCES customers (id),
    order_id     bigint REFERENCES orders (id),
    author       text NOT NULL,
    body         text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
