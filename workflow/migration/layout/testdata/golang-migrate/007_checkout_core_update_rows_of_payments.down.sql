-- checkout_core: 007_checkout_core_update_rows_of_payments.down.sql
-- Undoes 007_checkout_core_update_rows_of_payments.up.sql (step 10). Run with migrate down 1 (see
--   deployment-order.md).
-- golang-migrate sends this file as one query: its statements run in one implicit transaction.

-- ----------------------------------------------------------------------------
-- Undo step 10 of 11: Update rows of payments (backfill; forward in
--   007_checkout_core_update_rows_of_payments.up.sql)
-- IRREVERSIBLE: it changes or deletes rows, and the package keeps no copy of them.
-- Recovery: The package cannot restore changed or deleted rows. Keep a copy first if they may be
--   needed: \copy (SELECT * FROM payments) TO 'payments-before.csv' CSV HEADER; otherwise restore
--   from a backup or point-in-time recovery.
DO $pgrollout$ BEGIN RAISE NOTICE '%', 'step 10 (Update rows of payments) cannot be undone. Recovery: The package cannot restore changed or deleted rows. Keep a copy first if they may be needed: \copy (SELECT * FROM payments) TO ''payments-before.csv'' CSV HEADER; otherwise restore from a backup or point-in-time recovery.'; END $pgrollout$;
