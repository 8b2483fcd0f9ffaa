package pgtest

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// catalogQuery lists the user schema in a stable text form, one line per
// object: tables and their columns (type, NOT NULL, default), constraints
// with their definition and validity, indexes with their definition and
// validity, enum types with their labels, views, sequences and triggers.
// Generated names that PostgreSQL picks itself are part of the definitions,
// so two schemas compare equal only if they would dump the same.
const catalogQuery = `
WITH ns AS (
  SELECT oid, nspname FROM pg_namespace
  WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND nspname NOT LIKE 'pg_temp_%' AND nspname NOT LIKE 'pg_toast_temp_%'
)
SELECT line FROM (
  SELECT format('relation %s.%s kind=%s persistence=%s', ns.nspname, c.relname, c.relkind, c.relpersistence) AS line
  FROM pg_class c JOIN ns ON ns.oid = c.relnamespace WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  UNION ALL
  SELECT format('column %s.%s.%s %s%s%s%s', ns.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
    CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END,
    CASE WHEN d.adbin IS NOT NULL THEN ' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid) ELSE '' END,
    CASE WHEN a.attidentity <> '' THEN ' IDENTITY ' || a.attidentity::text ELSE '' END)
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN ns ON ns.oid = c.relnamespace
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  UNION ALL
  SELECT format('constraint %s.%s.%s %s%s', ns.nspname, c.relname, k.conname, pg_get_constraintdef(k.oid),
    CASE WHEN k.convalidated THEN '' ELSE ' (not validated)' END)
  FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN ns ON ns.oid = c.relnamespace
  UNION ALL
  SELECT format('index %s.%s %s%s', ns.nspname, i.relname, pg_get_indexdef(x.indexrelid),
    CASE WHEN x.indisvalid THEN '' ELSE ' (invalid)' END)
  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN ns ON ns.oid = i.relnamespace
  UNION ALL
  SELECT format('type %s.%s enum (%s)', ns.nspname, t.typname,
    (SELECT string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid))
  FROM pg_type t JOIN ns ON ns.oid = t.typnamespace WHERE t.typtype = 'e'
  UNION ALL
  SELECT format('view %s.%s %s', ns.nspname, c.relname, pg_get_viewdef(c.oid))
  FROM pg_class c JOIN ns ON ns.oid = c.relnamespace WHERE c.relkind IN ('v', 'm')
  UNION ALL
  SELECT format('trigger %s.%s.%s %s', ns.nspname, c.relname, t.tgname, pg_get_triggerdef(t.oid))
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN ns ON ns.oid = c.relnamespace WHERE NOT t.tgisinternal
) s ORDER BY line`

// Catalog returns the user schema of the connected database as sorted text
// lines (see catalogQuery), for comparing two databases.
func Catalog(t testing.TB, conn *pgx.Conn) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), catalogQuery)
	if err != nil {
		t.Fatalf("read catalog: %v", err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("read catalog: %v", err)
	}
	return lines
}

// Diff shows the lines only one catalog has: "- " for want, "+ " for got.
func Diff(want, got []string) string {
	var out []string
	for _, l := range want {
		if !slices.Contains(got, l) {
			out = append(out, "- "+l)
		}
	}
	for _, l := range got {
		if !slices.Contains(want, l) {
			out = append(out, "+ "+l)
		}
	}
	return strings.Join(out, "\n")
}
