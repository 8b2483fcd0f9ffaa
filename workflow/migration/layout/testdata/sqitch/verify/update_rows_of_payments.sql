-- Verify checkout_core:update_rows_of_payments on pg

-- Nothing to verify from the catalog for this change (Update rows of payments): check it by hand.
-- Note: Runs in batches of 1000 rows, committing each, so row locks are short, autovacuum keeps up
--   and a failure loses only one batch.
