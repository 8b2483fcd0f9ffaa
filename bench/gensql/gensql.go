// Package gensql generates large, realistic migrations for benchmarks: a mix
// of table creation, column changes, indexes, constraints and data changes,
// deterministic for a given size.
package gensql

import (
	"fmt"
	"strings"
)

// Migration returns a migration of n statements (about 100 bytes each) and a
// baseline schema that creates the tables it alters.
func Migration(n int) (migration, baseline string) {
	var m, b strings.Builder
	tables := max(1, n/20)
	for t := range tables {
		fmt.Fprintf(&b, "CREATE TABLE t%d (id bigint PRIMARY KEY, account_id bigint NOT NULL, status text, note varchar(64), created_at timestamptz NOT NULL DEFAULT now());\n", t)
	}
	for i := range n {
		t := i % tables
		switch i % 10 {
		case 0:
			fmt.Fprintf(&m, "CREATE TABLE new_%d (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, t%d_id bigint REFERENCES t%d (id), payload jsonb, created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());\n", i, t, t)
		case 1:
			fmt.Fprintf(&m, "ALTER TABLE t%d ADD COLUMN c%d text DEFAULT 'pending';\n", t, i)
		case 2:
			fmt.Fprintf(&m, "CREATE INDEX t%d_c%d_idx ON t%d (account_id, created_at DESC);\n", t, i, t)
		case 3:
			fmt.Fprintf(&m, "CREATE INDEX CONCURRENTLY IF NOT EXISTS t%d_s%d_idx ON t%d (status) WHERE status <> 'done';\n", t, i, t)
		case 4:
			fmt.Fprintf(&m, "ALTER TABLE t%d ADD CONSTRAINT t%d_fk%d FOREIGN KEY (account_id) REFERENCES t%d (id) NOT VALID;\n", t, t, i, (t+1)%tables)
		case 5:
			fmt.Fprintf(&m, "ALTER TABLE t%d ALTER COLUMN note TYPE varchar(%d);\n", t, 64+i)
		case 6:
			fmt.Fprintf(&m, "UPDATE t%d SET status = 'archived' WHERE id BETWEEN %d AND %d;\n", t, i*1000, i*1000+999)
		case 7:
			fmt.Fprintf(&m, "ALTER TABLE t%d ADD CONSTRAINT t%d_ck%d CHECK (status IN ('new', 'done', 'archived'));\n", t, t, i)
		case 8:
			fmt.Fprintf(&m, "COMMENT ON TABLE t%d IS 'table %d of the generated benchmark schema, statement %d: owned by the checkout platform team, reviewed before every release';\n", t, t, i)
		default:
			fmt.Fprintf(&m, "ALTER TABLE t%d ALTER COLUMN status SET NOT NULL;\n", t)
		}
	}
	return m.String(), b.String()
}
