-- Verify checkout_core:delete_rows_of_checkout_sessions on pg

-- Nothing to verify from the catalog for this change (Delete rows of checkout_sessions): check it
--   by hand.
-- Note: Runs over ranges of 1000 rows in key order, committing each, so row locks are short,
--   autovacuum keeps up, and a failure loses only one batch. Each row is visited once; functions
--   such as now() are evaluated per batch.
