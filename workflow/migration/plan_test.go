package migration

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pgrollout/pgrollout/workflow/review"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// planBase is the schema the plan cases change.
const planBase = `CREATE TYPE order_state AS ENUM ('new', 'paid');
CREATE TABLE customers (id bigint PRIMARY KEY, email text);
CREATE TABLE orders (
  id bigint PRIMARY KEY,
  customer_id bigint,
  status text,
  note varchar(20),
  total numeric(10,2),
  CONSTRAINT orders_total_check CHECK (total >= 0)
);
CREATE INDEX orders_status_idx ON orders (status);
CREATE TABLE audit (at timestamptz, message text);
ALTER TABLE orders ADD CONSTRAINT orders_status_nn CHECK (status IS NOT NULL);
CREATE TABLE events (id bigint NOT NULL, at date NOT NULL, customer_id bigint, kind text) PARTITION BY RANGE (at);
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE INDEX events_at_idx ON events (at);
CREATE TABLE "Tickets" (id bigint PRIMARY KEY, "Status" text);
CREATE INDEX tickets_status_idx ON "Tickets" ("Status");
`

// summary renders a step in one line: phase, transaction, flags and the
// first line of its SQL.
func summary(s Step) string {
	tx := "tx"
	if !s.Transactional {
		tx = "notx"
	}
	flags := ""
	if s.Unsafe {
		flags += " UNSAFE"
	}
	if s.Irreversible {
		flags += " IRREVERSIBLE"
	}
	first, _, _ := strings.Cut(s.SQL, "\n")
	return fmt.Sprintf("%s %s%s: %s", s.Phase, tx, flags, first)
}

func TestBuild(t *testing.T) {
	tests := []struct {
		name, sql string
		pg        int
		want      []string // summaries of the steps, deploy checkpoint left out
		rollback  []string // rollbacks in step order ("" for none)
	}{
		{name: "index on an existing table is built concurrently",
			sql:      "CREATE INDEX orders_customer_idx ON orders (customer_id);",
			want:     []string{"pre-deploy notx: CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_idx ON orders USING btree (customer_id);"},
			rollback: []string{"DROP INDEX CONCURRENTLY IF EXISTS orders_customer_idx;"}},
		{name: "index on a new table stays plain",
			sql: "CREATE TABLE refunds (id bigint PRIMARY KEY, order_id bigint);\nCREATE INDEX refunds_order_idx ON refunds (order_id);",
			want: []string{"pre-deploy tx: CREATE TABLE refunds (id bigint PRIMARY KEY, order_id bigint);",
				"pre-deploy tx: CREATE INDEX refunds_order_idx ON refunds (order_id);"},
			rollback: []string{"DROP TABLE IF EXISTS refunds;", "DROP INDEX CONCURRENTLY IF EXISTS refunds_order_idx;"}},
		{name: "CREATE TABLE IF NOT EXISTS on an existing table changes nothing",
			sql: "CREATE TABLE IF NOT EXISTS customers (id bigint PRIMARY KEY, email text);\nCREATE INDEX customers_email_idx ON customers (email);",
			want: []string{"pre-deploy tx: CREATE TABLE IF NOT EXISTS customers (id bigint PRIMARY KEY, email text);",
				"pre-deploy notx: CREATE INDEX CONCURRENTLY IF NOT EXISTS customers_email_idx ON customers USING btree (email);"},
			rollback: []string{"", "DROP INDEX CONCURRENTLY IF EXISTS customers_email_idx;"}},
		{name: "unnamed index gets PostgreSQL's name",
			sql:  "CREATE INDEX ON orders (customer_id, status);",
			want: []string{"pre-deploy notx: CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_status_idx ON orders USING btree (customer_id, status);"}},
		{name: "foreign key NOT VALID then validated after the deploy",
			sql: "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);",
			want: []string{"pre-deploy tx: ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;",
				"post-deploy tx: ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;"},
			rollback: []string{"ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_customer_fk;", ""}},
		{name: "foreign key already NOT VALID is kept",
			sql:  "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;",
			want: []string{"pre-deploy tx: ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;"}},
		{name: "unnamed check gets PostgreSQL's name",
			sql: "ALTER TABLE orders ADD CHECK (total < 1000000);",
			want: []string{"pre-deploy tx: ALTER TABLE orders ADD CONSTRAINT orders_total_check1 CHECK (total < 1000000) NOT VALID;",
				"post-deploy tx: ALTER TABLE orders VALIDATE CONSTRAINT orders_total_check1;"}},
		{name: "SET NOT NULL through a validated check",
			sql: "ALTER TABLE orders ALTER COLUMN note SET NOT NULL;",
			want: []string{"post-deploy tx: ALTER TABLE orders ADD CONSTRAINT orders_note_not_null_check CHECK (note IS NOT NULL) NOT VALID;",
				"post-deploy tx: ALTER TABLE orders VALIDATE CONSTRAINT orders_note_not_null_check;",
				"post-deploy tx: ALTER TABLE orders ALTER COLUMN note SET NOT NULL;",
				"post-deploy tx: ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_note_not_null_check;"},
			rollback: []string{"ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_note_not_null_check;", "", "ALTER TABLE orders ALTER COLUMN note DROP NOT NULL;", ""}},
		{name: "SET NOT NULL already proven by a check is kept",
			sql:  "ALTER TABLE orders ALTER COLUMN status SET NOT NULL;",
			want: []string{"post-deploy tx: ALTER TABLE orders ALTER COLUMN status SET NOT NULL;"}},
		{name: "SET NOT NULL before PostgreSQL 12 has no online form",
			sql: "ALTER TABLE orders ALTER COLUMN note SET NOT NULL;", pg: 11,
			want: []string{"post-deploy tx UNSAFE: ALTER TABLE orders ALTER COLUMN note SET NOT NULL;"}},
		{name: "unique constraint from an index built concurrently",
			sql: "ALTER TABLE customers ADD CONSTRAINT customers_email_key UNIQUE (email);",
			want: []string{"pre-deploy notx: CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS customers_email_key ON customers (email);",
				"pre-deploy tx: ALTER TABLE customers ADD CONSTRAINT customers_email_key UNIQUE USING INDEX customers_email_key;"},
			rollback: []string{"DROP INDEX CONCURRENTLY IF EXISTS customers_email_key;", "ALTER TABLE customers DROP CONSTRAINT IF EXISTS customers_email_key;"}},
		{name: "volatile default: nullable column, default for new rows, batched backfill",
			sql: "ALTER TABLE orders ADD COLUMN public_id uuid NOT NULL DEFAULT gen_random_uuid();",
			want: []string{"pre-deploy tx: ALTER TABLE orders ADD COLUMN IF NOT EXISTS public_id uuid;",
				"pre-deploy tx: ALTER TABLE orders ALTER COLUMN public_id SET DEFAULT gen_random_uuid();",
				"backfill notx: DO $$",
				"post-deploy tx: ALTER TABLE orders ADD CONSTRAINT orders_public_id_not_null_check CHECK (public_id IS NOT NULL) NOT VALID;",
				"post-deploy tx: ALTER TABLE orders VALIDATE CONSTRAINT orders_public_id_not_null_check;",
				"post-deploy tx: ALTER TABLE orders ALTER COLUMN public_id SET NOT NULL;",
				"post-deploy tx: ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_public_id_not_null_check;"}},
		{name: "constant default is only a catalog change",
			sql:  "ALTER TABLE orders ADD COLUMN channel text NOT NULL DEFAULT 'web';",
			want: []string{"pre-deploy tx: ALTER TABLE orders ADD COLUMN channel text NOT NULL DEFAULT 'web';"}},
		{name: "inline check and reference on a new column",
			sql: "ALTER TABLE orders ADD COLUMN referrer_id bigint REFERENCES customers (id) CHECK (referrer_id > 0);",
			want: []string{"pre-deploy tx: ALTER TABLE orders ADD COLUMN IF NOT EXISTS referrer_id bigint;",
				"pre-deploy tx: ALTER TABLE orders ADD CONSTRAINT orders_referrer_id_fkey FOREIGN KEY (referrer_id) REFERENCES customers (id) NOT VALID;",
				"pre-deploy tx: ALTER TABLE orders ADD CONSTRAINT orders_referrer_id_check CHECK (referrer_id > 0) NOT VALID;",
				"post-deploy tx: ALTER TABLE orders VALIDATE CONSTRAINT orders_referrer_id_fkey;",
				"post-deploy tx: ALTER TABLE orders VALIDATE CONSTRAINT orders_referrer_id_check;"}},
		{name: "several subcommands without a recipe stay one pass",
			sql:      "ALTER TABLE orders ADD COLUMN channel text, ALTER COLUMN note TYPE text;",
			want:     []string{"pre-deploy tx: ALTER TABLE orders ADD COLUMN channel text, ALTER COLUMN note TYPE text;"},
			rollback: []string{"ALTER TABLE orders ALTER COLUMN note TYPE varchar(20) USING note::varchar(20);\nALTER TABLE orders DROP COLUMN IF EXISTS channel;"}},
		{name: "several subcommands become steps when one has a recipe",
			sql: "ALTER TABLE orders ADD COLUMN channel text, ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);",
			want: []string{"pre-deploy tx: ALTER TABLE orders ADD COLUMN channel text;",
				"pre-deploy tx: ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;",
				"post-deploy tx: ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;"}},
		{name: "unnamed index avoids a name the baseline uses",
			sql:  "CREATE INDEX ON orders (status);",
			want: []string{"pre-deploy notx: CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_status_idx1 ON orders USING btree (status);"}},
		{name: "index ON ONLY a partitioned parent is kept",
			sql:  "CREATE INDEX events_kind_idx ON ONLY events (kind);",
			want: []string{"pre-deploy tx: CREATE INDEX events_kind_idx ON ONLY events (kind);"}},
		{name: "index on a partitioned parent has no online form",
			sql:  "CREATE INDEX events_kind_idx ON events (kind);",
			want: []string{"pre-deploy tx UNSAFE: CREATE INDEX events_kind_idx ON events (kind);"}},
		{name: "foreign key on a partitioned table cannot be NOT VALID",
			sql:  "ALTER TABLE events ADD CONSTRAINT events_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);",
			want: []string{"pre-deploy tx UNSAFE: ALTER TABLE events ADD CONSTRAINT events_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);"}},
		{name: "partitioned index is dropped as written",
			sql:  "DROP INDEX events_at_idx;",
			want: []string{"post-deploy tx: DROP INDEX events_at_idx;"}},
		{name: "a dropped index is rebuilt with its names quoted",
			sql:      "DROP INDEX tickets_status_idx;",
			want:     []string{"post-deploy notx: DROP INDEX CONCURRENTLY IF EXISTS tickets_status_idx;"},
			rollback: []string{`CREATE INDEX CONCURRENTLY IF NOT EXISTS tickets_status_idx ON "Tickets" USING btree ("Status");`}},
		{name: "drop index with CASCADE is kept",
			sql:  "DROP INDEX orders_status_idx CASCADE;",
			want: []string{"post-deploy tx: DROP INDEX orders_status_idx CASCADE;"}},
		{name: "a rewriting type change has no online form",
			sql:  "ALTER TABLE orders ALTER COLUMN total TYPE bigint;",
			want: []string{"pre-deploy tx UNSAFE: ALTER TABLE orders ALTER COLUMN total TYPE bigint;"}},
		{name: "exclusion constraint on an existing table",
			sql:  "ALTER TABLE orders ADD CONSTRAINT orders_no_overlap EXCLUDE USING gist (customer_id WITH =);",
			want: []string{"pre-deploy tx UNSAFE: ALTER TABLE orders ADD CONSTRAINT orders_no_overlap EXCLUDE USING gist (customer_id WITH =);"}},
		{name: "drop index concurrently after the deploy, rebuilt on rollback",
			sql:      "DROP INDEX orders_status_idx;",
			want:     []string{"post-deploy notx: DROP INDEX CONCURRENTLY IF EXISTS orders_status_idx;"},
			rollback: []string{"CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_status_idx ON orders USING btree (status);"}},
		{name: "drop column is irreversible",
			sql:  "ALTER TABLE orders DROP COLUMN note;",
			want: []string{"post-deploy tx IRREVERSIBLE: ALTER TABLE orders DROP COLUMN note;"}},
		{name: "drop table is irreversible",
			sql:  "DROP TABLE audit;",
			want: []string{"post-deploy tx IRREVERSIBLE: DROP TABLE audit;"}},
		{name: "unbounded update runs in batches",
			sql:  "UPDATE orders SET note = NULL;",
			want: []string{"backfill notx IRREVERSIBLE: DO $$"}},
		{name: "update with a volatile value visits each row once",
			sql:  "UPDATE orders SET note = random()::text;",
			want: []string{"backfill notx IRREVERSIBLE: DO $$"}},
		{name: "update with a join cannot be batched",
			sql:  "UPDATE orders o SET note = c.email FROM customers c WHERE c.id = o.customer_id;",
			want: []string{"backfill tx UNSAFE IRREVERSIBLE: UPDATE orders o SET note = c.email FROM customers c WHERE c.id = o.customer_id;"}},
		{name: "delete on a table without a key runs as one statement",
			sql:  "DELETE FROM audit WHERE at < now() - interval '1 year';",
			want: []string{"backfill tx UNSAFE IRREVERSIBLE: DELETE FROM audit WHERE at < now() - interval '1 year';"}},
		{name: "enum value cannot be removed",
			sql:  "ALTER TYPE order_state ADD VALUE 'refunded' AFTER 'paid';",
			want: []string{"pre-deploy tx IRREVERSIBLE: ALTER TYPE order_state ADD VALUE 'refunded' AFTER 'paid';"}},
		{name: "rename breaks deployed code",
			sql:      "ALTER TABLE orders RENAME COLUMN note TO notes;",
			want:     []string{"pre-deploy tx UNSAFE: ALTER TABLE orders RENAME COLUMN note TO notes;"},
			rollback: []string{"ALTER TABLE orders RENAME COLUMN notes TO note;"}},
		{name: "a re-created index stays after the drop of its name",
			sql: "DROP INDEX orders_status_idx;\nCREATE INDEX orders_status_idx ON orders (status, id);",
			want: []string{"post-deploy notx: DROP INDEX CONCURRENTLY IF EXISTS orders_status_idx;",
				"post-deploy notx: CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_status_idx ON orders USING btree (status, id);"}},
		{name: "a re-added constraint stays after the drop of its name",
			sql: "ALTER TABLE orders DROP CONSTRAINT orders_total_check;\nALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 1);",
			want: []string{"post-deploy tx: ALTER TABLE orders DROP CONSTRAINT orders_total_check;",
				"post-deploy tx: ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 1) NOT VALID;",
				"post-deploy tx: ALTER TABLE orders VALIDATE CONSTRAINT orders_total_check;"}},
		{name: "a dedupe runs before the unique index it makes possible",
			sql: "DELETE FROM customers WHERE id > 100;\nALTER TABLE customers ADD CONSTRAINT customers_email_key UNIQUE (email);",
			want: []string{"pre-deploy notx IRREVERSIBLE: DO $$",
				"pre-deploy notx: CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS customers_email_key ON customers (email);",
				"pre-deploy tx: ALTER TABLE customers ADD CONSTRAINT customers_email_key UNIQUE USING INDEX customers_email_key;"}},
		{name: "a fix-up runs before the type change that needs it",
			sql: "UPDATE orders SET note = '0' WHERE note !~ '^[0-9]+$';\nALTER TABLE orders ALTER COLUMN note TYPE int USING note::int;",
			want: []string{"pre-deploy notx IRREVERSIBLE: DO $$",
				"pre-deploy tx UNSAFE: ALTER TABLE orders ALTER COLUMN note TYPE int USING note::int;"}},
		{name: "a lookup row goes in before the foreign key to it",
			sql: "INSERT INTO customers (id, email) VALUES (0, 'nobody');\nALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);",
			want: []string{"pre-deploy tx IRREVERSIBLE: INSERT INTO customers (id, email) VALUES (0, 'nobody');",
				"pre-deploy tx: ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;",
				"post-deploy tx: ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;"}},
		{name: "a session setting does not carry across the package's files",
			sql:  "SET search_path TO app, public;\nCREATE TABLE refunds (id bigint);",
			want: []string{"pre-deploy tx UNSAFE: SET search_path TO app, public;", "pre-deploy tx: CREATE TABLE refunds (id bigint);"}},
		{name: "transaction control and timeouts are the package's job",
			sql:  "BEGIN;\nSET lock_timeout = '2s';\nALTER TABLE orders ADD COLUMN channel text;\nCOMMIT;",
			want: []string{"pre-deploy tx: ALTER TABLE orders ADD COLUMN channel text;"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Build([]review.Source{{Name: "002_change.sql", Text: tt.sql}}, Options{PGVersion: tt.pg, Baseline: []review.Source{{Name: "base.sql", Text: planBase}}})
			if err != nil {
				t.Fatal(err)
			}
			var got, rollbacks []string
			for _, s := range p.Steps {
				if s.Phase == PhaseDeploy {
					continue
				}
				got = append(got, summary(s))
				rollbacks = append(rollbacks, s.Rollback)
				if _, err := schema.Split("step", s.SQL); err != nil {
					t.Errorf("step %d does not parse: %v", s.N, err)
				}
				if _, err := schema.Split("rollback", s.Rollback); err != nil {
					t.Errorf("rollback of step %d does not parse: %v", s.N, err)
				}
				if s.Irreversible && s.Recovery == "" {
					t.Errorf("irreversible step %d without a recovery path", s.N)
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("steps:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if tt.rollback != nil && strings.Join(rollbacks, "\n") != strings.Join(tt.rollback, "\n") {
				t.Errorf("rollbacks:\n%s\nwant:\n%s", strings.Join(rollbacks, "\n"), strings.Join(tt.rollback, "\n"))
			}
		})
	}
}

func TestTitles(t *testing.T) {
	for _, tt := range []struct{ sql, want string }{
		{"CREATE TABLE app.t (id int)", "Create table app.t"},
		{"CREATE UNIQUE INDEX i ON t (a)", "Create unique index i"},
		{"CREATE INDEX ON t (a)", "Create index on t"},
		{"ALTER TABLE t ADD COLUMN c int", "Add column t.c"},
		{"ALTER TABLE t DROP COLUMN c", "Drop column t.c"},
		{"ALTER TABLE t ADD CONSTRAINT k UNIQUE USING INDEX i", "Attach constraint k"},
		{"ALTER TABLE t ADD CHECK (a > 0)", "Add constraint on t"},
		{"ALTER TABLE t VALIDATE CONSTRAINT k", "Validate constraint k"},
		{"ALTER TABLE t ALTER COLUMN c TYPE text", "Change the type of t.c"},
		{"ALTER TABLE t ALTER COLUMN c SET NOT NULL", "Set t.c NOT NULL"},
		{"ALTER TABLE t ALTER COLUMN c DROP DEFAULT", "Drop the default of t.c"},
		{"ALTER TABLE t SET LOGGED", "ALTER TABLE t"},
		{"DROP INDEX i, j", "Drop index i, j"},
		{"DELETE FROM t WHERE a = 1", "Delete rows of t"},
		{"ALTER TYPE s ADD VALUE 'x'", "Add value 'x' to enum s"},
		{"ALTER TABLE t RENAME COLUMN a TO b", "Rename column t.a to b"},
	} {
		stmts, err := schema.Split("t.sql", tt.sql)
		if err != nil {
			t.Fatal(err)
		}
		if got := title(stmts[0]); got != tt.want {
			t.Errorf("title(%q) = %q, want %q", tt.sql, got, tt.want)
		}
	}
}
