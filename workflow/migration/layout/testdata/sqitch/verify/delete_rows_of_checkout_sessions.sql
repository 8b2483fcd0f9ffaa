-- Verify checkout_core:delete_rows_of_checkout_sessions on pg

-- Nothing to verify from the catalog for this change (Delete rows of checkout_sessions): check it
--   by hand.
-- Note: Runs in batches of 1000 rows, committing each, so row locks are short, autovacuum keeps up
--   and a failure loses only one batch.
