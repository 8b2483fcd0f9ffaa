-- checkout_core: U6__checkout_core_delete_rows_of_checkout_sessions.sql
-- Undoes V6__checkout_core_delete_rows_of_checkout_sessions.sql (step 9), with flyway undo (Flyway
--   Teams) or by hand.
-- Flyway runs this script in one transaction.

-- ----------------------------------------------------------------------------
-- Undo step 9 of 11: Delete rows of checkout_sessions (backfill; forward in
--   V6__checkout_core_delete_rows_of_checkout_sessions.sql)
-- IRREVERSIBLE: it changes or deletes rows, and the package keeps no copy of them.
-- Recovery: The package cannot restore changed or deleted rows. Keep a copy first if they may be
--   needed: \copy (SELECT * FROM checkout_sessions WHERE status = 'abandoned' AND created_at <
--   (now() - '90 days'::interval)) TO 'checkout_sessions-before.csv' CSV HEADER; otherwise restore
--   from a backup or point-in-time recovery.
DO $pgrollout$ BEGIN RAISE NOTICE '%', 'step 9 (Delete rows of checkout_sessions) cannot be undone. Recovery: The package cannot restore changed or deleted rows. Keep a copy first if they may be needed: \copy (SELECT * FROM checkout_sessions WHERE status = ''abandoned'' AND created_at < (now() - ''90 days''::interval)) TO ''checkout_sessions-before.csv'' CSV HEADER; otherwise restore from a backup or point-in-time recovery.'; END $pgrollout$;
