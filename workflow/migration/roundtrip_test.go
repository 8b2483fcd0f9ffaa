package migration_test

import (
	"context"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pgrollout/pgrollout/internal/pgtest"
	"github.com/pgrollout/pgrollout/workflow/migration"
	"github.com/pgrollout/pgrollout/workflow/migration/layout"
	"github.com/pgrollout/pgrollout/workflow/review"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// roundBase is the schema the round-trip changes start from, with rows so
// that validations, backfills and unique builds have data to work on.
const roundBase = `CREATE TYPE order_state AS ENUM ('new', 'paid');
CREATE TABLE customers (id bigint PRIMARY KEY, email text, name varchar(100));
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
INSERT INTO customers SELECT g, 'c' || g || '@example.com', 'C' || g FROM generate_series(1, 50) g;
INSERT INTO orders SELECT g, 1 + g % 50, 'new', CASE WHEN g % 3 = 0 THEN NULL ELSE 'n' END, g FROM generate_series(1, 2500) g;
INSERT INTO audit SELECT now() - g * interval '1 day', 'm' FROM generate_series(1, 800) g;
`

// roundTrips are representative changes: each is applied through its
// package, rolled back and applied again.
var roundTrips = []struct{ name, sql string }{
	{"index on an existing table", "CREATE INDEX orders_customer_idx ON orders (customer_id);"},
	{"unnamed index", "CREATE INDEX ON orders (customer_id, status);"},
	{"foreign key", "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);"},
	{"unnamed check", "ALTER TABLE orders ADD CHECK (total < 1000000);"},
	{"set not null", "UPDATE orders SET note = 'none' WHERE note IS NULL;\nALTER TABLE orders ALTER COLUMN note SET NOT NULL;"},
	{"unique constraint", "ALTER TABLE customers ADD CONSTRAINT customers_email_key UNIQUE (email);"},
	{"volatile default, not null", "ALTER TABLE orders ADD COLUMN public_id uuid NOT NULL DEFAULT gen_random_uuid();"},
	{"constant default", "ALTER TABLE orders ADD COLUMN channel text NOT NULL DEFAULT 'web';"},
	{"inline reference and check", "ALTER TABLE orders ADD COLUMN referrer_id bigint REFERENCES customers (id) CHECK (referrer_id > 0);"},
	{"several subcommands", "ALTER TABLE orders ADD COLUMN channel text, ALTER COLUMN note TYPE text;"},
	{"drop index", "DROP INDEX orders_status_idx;"},
	{"rename column", "ALTER TABLE orders RENAME COLUMN note TO notes;"},
	{"new table with index and key", "CREATE TABLE refunds (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders (id), at timestamptz NOT NULL DEFAULT now());\nCREATE INDEX refunds_order_idx ON refunds (order_id);"},
	{"drop and re-create an index", "DROP INDEX orders_status_idx;\nCREATE INDEX orders_status_idx ON orders (status, id);"},
	{"dedupe before a unique constraint", "UPDATE customers SET email = 'x@example.com' WHERE id <= 2;\nDELETE FROM customers WHERE id = 2;\nALTER TABLE customers ADD CONSTRAINT customers_email_key UNIQUE (email);"},
	{"batched cleanup", "DELETE FROM audit WHERE at < now() - interval '1 year';\nUPDATE orders SET status = 'paid';"},
}

// TestRoundTrip applies each change's plain package to a scratch database
// holding the baseline and compares the schema with the change applied as
// written; then it applies rollback.sql and expects the baseline back, and
// applies the package once more.
func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	base := baselineDB(t, roundBase)
	for _, rt := range roundTrips {
		t.Run(rt.name, func(t *testing.T) {
			roundTrip(t, ctx, base, roundBase, rt.sql)
		})
	}
}

// TestSampleRoundTrip does the same for the checkout sample's migration.
func TestSampleRoundTrip(t *testing.T) {
	schemaSQL := readFile(t, "../../sample/checkout/schema.sql")
	base := baselineDB(t, schemaSQL)
	roundTrip(t, context.Background(), base, schemaSQL, readFile(t, "../../sample/checkout/migrations/001_checkout_core.sql"))
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// baselineDB creates a database holding the baseline, to copy from.
func baselineDB(t *testing.T, sql string) pgtest.DB {
	t.Helper()
	db := pgtest.NewDB(t)
	conn, err := pgx.Connect(context.Background(), db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	run(t, conn, "baseline.sql", sql)
	return db
}

func roundTrip(t *testing.T, ctx context.Context, base pgtest.DB, baseSQL, change string) {
	plan, err := migration.Build([]review.Source{{Name: "001_change.sql", Text: change}},
		migration.Options{Baseline: []review.Source{{Name: "baseline.sql", Text: baseSQL}}, BatchSize: 300})
	if err != nil {
		t.Fatal(err)
	}
	files, err := layout.Files(plan, layout.Plain, layout.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var forward []layout.File
	var rollback string
	for _, f := range files {
		switch {
		case f.Name == "rollback.sql":
			rollback = f.Content
		case regexp.MustCompile(`^\d{3}_.*\.sql$`).MatchString(path.Base(f.Name)):
			forward = append(forward, f)
		}
	}
	slices.SortFunc(forward, func(a, b layout.File) int { return strings.Compare(a.Name, b.Name) })
	if len(forward) == 0 {
		t.Fatal("no forward files")
	}

	intendedDB := base.Copy(t)
	intended := intendedDB.Connect(t)
	run(t, intended, "change as written", change)
	want := pgtest.Catalog(t, intended)

	db := base.Copy(t)
	conn := db.Connect(t)
	baseline := pgtest.Catalog(t, conn)
	for round := 1; round <= 2; round++ {
		for _, f := range forward {
			run(t, conn, f.Name, f.Content)
		}
		if got := pgtest.Catalog(t, conn); !slices.Equal(got, want) {
			t.Fatalf("round %d: schema after the package differs from the change as written:\n%s", round, pgtest.Diff(want, got))
		}
		if round == 2 {
			break
		}
		run(t, conn, "rollback.sql", rollback)
		if got := pgtest.Catalog(t, conn); !slices.Equal(got, baseline) {
			t.Fatalf("schema after rollback.sql differs from the baseline:\n%s", pgtest.Diff(baseline, got))
		}
	}
}

// run executes a file statement by statement, as psql -f does, so that
// statements which refuse a transaction block run outside one.
func run(t *testing.T, conn *pgx.Conn, name, sql string) {
	t.Helper()
	stmts, err := schema.Split(name, sql)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range stmts {
		if _, err := conn.Exec(context.Background(), st.Text, pgx.QueryExecModeSimpleProtocol); err != nil {
			t.Fatalf("%s: %s\n%v", st.Pos, st.Text, err)
		}
	}
}

// TestBatchLoopsOnPostgres runs batched UPDATEs and DELETEs and checks each
// row was changed exactly once, including statements whose rows still match
// their filter afterwards, and a text key.
func TestBatchLoopsOnPostgres(t *testing.T) {
	const base = `CREATE TABLE items (id bigint PRIMARY KEY, n int NOT NULL, price numeric(10,2), tag text);
CREATE TABLE codes (code text PRIMARY KEY, hits int NOT NULL DEFAULT 0);
INSERT INTO items SELECT g, 0, 1, CASE WHEN g % 2 = 0 THEN 'even' END FROM generate_series(1, 2345) g;
INSERT INTO codes SELECT 'c' || g, 0 FROM generate_series(1, 777) g;
`
	tests := []struct{ name, change, check string }{
		{"self-referencing SET", "UPDATE items SET n = n + 1 WHERE id <= 2000;",
			"SELECT count(*) = 2345 AND sum(n) = 2000 AND max(n) = 1 FROM items"},
		{"value the column rounds", "UPDATE items SET price = 9.999;",
			"SELECT bool_and(price = 10.00) FROM items"},
		{"now() per batch", "UPDATE items SET tag = now()::text WHERE tag IS NULL;",
			"SELECT count(*) = 0 FROM items WHERE tag IS NULL"},
		{"SET DEFAULT", "UPDATE codes SET hits = DEFAULT WHERE code LIKE 'c1%';",
			"SELECT sum(hits) = 0 FROM codes"},
		{"text key", "UPDATE codes SET hits = hits + 1;",
			"SELECT count(*) = 777 AND bool_and(hits = 1) FROM codes"},
		{"delete with a filter", "DELETE FROM items WHERE id % 3 = 0;",
			"SELECT count(*) = 2345 - 781 AND count(*) FILTER (WHERE id % 3 = 0) = 0 FROM items"},
	}
	db := baselineDB(t, base)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := migration.Build([]review.Source{{Name: "001_change.sql", Text: tt.change}},
				migration.Options{Baseline: []review.Source{{Name: "baseline.sql", Text: base}}, BatchSize: 100})
			if err != nil {
				t.Fatal(err)
			}
			var step migration.Step
			for _, s := range plan.Steps {
				if s.Phase == migration.PhaseBackfill {
					step = s
				}
			}
			if !strings.HasPrefix(step.SQL, "DO $$") || step.Transactional {
				t.Fatalf("not a batch loop: %+v", step)
			}
			copyDB := db.Copy(t)
			conn := copyDB.Connect(t)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := conn.Exec(ctx, step.SQL); err != nil {
				t.Fatalf("%v\n%s", err, step.SQL)
			}
			var ok bool
			if err := conn.QueryRow(ctx, tt.check).Scan(&ok); err != nil || !ok {
				t.Errorf("%s: %v (err %v)", tt.check, ok, err)
			}
		})
	}
}
