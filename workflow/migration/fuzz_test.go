package migration

import (
	"strings"
	"testing"

	"github.com/pgrollout/pgrollout/workflow/review"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// FuzzBuild plans whatever parses against the plan cases' baseline: it may
// fail, never panic, and every step and rollback it renders must parse.
func FuzzBuild(f *testing.F) {
	for _, s := range []string{
		"CREATE INDEX ON orders (status);",
		"ALTER TABLE orders ADD COLUMN x uuid NOT NULL DEFAULT gen_random_uuid() REFERENCES customers (id) CHECK (x IS NOT NULL) UNIQUE;",
		"ALTER TABLE orders ALTER COLUMN note SET NOT NULL, ADD CONSTRAINT k UNIQUE (note), DROP COLUMN total;",
		"UPDATE orders SET note = 'x' WHERE id > 3; DELETE FROM customers; DROP INDEX orders_status_idx; DROP TABLE audit;",
		"ALTER TYPE order_state ADD VALUE 'z'; ALTER TABLE orders RENAME COLUMN note TO n; SET search_path TO x;",
		"BEGIN; CREATE TABLE t (id int PRIMARY KEY); CREATE INDEX ON t (id); INSERT INTO t VALUES (1); COMMIT;",
		"CREATE INDEX ON ONLY events (kind); ALTER TABLE events ADD FOREIGN KEY (customer_id) REFERENCES customers;",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		if _, err := schema.Split("f.sql", sql); err != nil {
			return
		}
		p, err := Build([]review.Source{{Name: "f.sql", Text: sql}}, Options{Baseline: []review.Source{{Name: "base.sql", Text: planBase}}})
		if err != nil {
			return
		}
		for _, s := range p.Steps {
			for what, text := range map[string]string{"step": s.SQL, "rollback": s.Rollback} {
				if strings.TrimSpace(text) == "" {
					continue
				}
				if _, err := schema.Split(what, text); err != nil {
					t.Fatalf("%s of step %d (%s) does not parse: %v\n%s", what, s.N, s.Title, err, text)
				}
			}
		}
	})
}
