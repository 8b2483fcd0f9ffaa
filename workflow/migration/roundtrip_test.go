package migration_test

import (
	"context"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

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
