-- checkout_core: U7__checkout_core_update_rows_of_payments.sql
-- Undoes V7__checkout_core_update_rows_of_payments.sql (step 10), with flyway undo (Flyway Teams)
--   or by hand.
-- Flyway runs this script in one transaction.

-- ----------------------------------------------------------------------------
-- Undo step 10 of 11: Update rows of payments (backfill; forward in
--   V7__checkout_core_update_rows_of_payments.sql)
-- IRREVERSIBLE: it changes or deletes rows, and the package keeps no copy of them.
-- Recovery: The package cannot restore changed or deleted rows. Keep a copy first if they may be
--   needed: \copy (SELECT * FROM payments) TO 'payments-before.csv' CSV HEADER; otherwise restore
--   from a backup or point-in-time recovery.
DO $pgrollout$ BEGIN RAISE NOTICE '%', 'step 10 (Update rows of payments) cannot be undone. Recovery: The package cannot restore changed or deleted rows. Keep a copy first if they may be needed: \copy (SELECT * FROM payments) TO ''payments-before.csv'' CSV HEADER; otherwise restore from a backup or point-in-time recovery.'; END $pgrollout$;
