-- checkout_core: 006_checkout_core_delete_rows_of_checkout_sessions.down.sql
-- Undoes 006_checkout_core_delete_rows_of_checkout_sessions.up.sql (step 9). Run with migrate down
--   1 (see deployment-order.md).
-- golang-migrate sends this file as one query: its statements run in one implicit transaction.

-- ----------------------------------------------------------------------------
-- Undo step 9 of 11: Delete rows of checkout_sessions (backfill; forward in
--   006_checkout_core_delete_rows_of_checkout_sessions.up.sql)
-- IRREVERSIBLE: it changes or deletes rows, and the package keeps no copy of them.
-- Recovery: The package cannot restore changed or deleted rows. Keep a copy first if they may be
--   needed: \copy (SELECT * FROM checkout_sessions WHERE status = 'abandoned' AND created_at <
--   (now() - '90 days'::interval)) TO 'checkout_sessions-before.csv' CSV HEADER; otherwise restore
--   from a backup or point-in-time recovery.
DO $pgrollout$ BEGIN RAISE NOTICE '%', 'step 9 (Delete rows of checkout_sessions) cannot be undone. Recovery: The package cannot restore changed or deleted rows. Keep a copy first if they may be needed: \copy (SELECT * FROM checkout_sessions WHERE status = ''abandoned'' AND created_at < (now() - ''90 days''::interval)) TO ''checkout_sessions-before.csv'' CSV HEADER; otherwise restore from a backup or point-in-time recovery.'; END $pgrollout$;
