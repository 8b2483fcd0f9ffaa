-- Verify checkout_core:delete_checkout_sessions on pg

-- Nothing to verify from the catalog for this change (DELETE checkout_sessions): check it by hand.
-- Note: Runs in batches of 1000 rows, committing each, so row locks are short, autovacuum keeps up
--   and a failure loses only one batch.
