-- Verify checkout_core:update_rows_of_payments on pg

-- Nothing to verify from the catalog for this change (Update rows of payments): check it by hand.
-- Note: Runs over ranges of 1000 rows in key order, committing each, so row locks are short,
--   autovacuum keeps up, and a failure loses only one batch. Each row is visited once; functions
--   such as now() are evaluated per batch.
