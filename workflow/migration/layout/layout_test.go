package layout

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pgrollout/pgrollout/workflow/audit"
	"github.com/pgrollout/pgrollout/workflow/locks"
	"github.com/pgrollout/pgrollout/workflow/migration"
	"github.com/pgrollout/pgrollout/workflow/review"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

var update = flag.Bool("update", false, "rewrite testdata/ from the current output")

// planned is the fixed planning time of the golden files.
var planned = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)

// sampleSources reads the checkout sample: its schema and its change.
func sampleSources(t *testing.T) (base, change review.Source) {
	t.Helper()
	b, err := os.ReadFile("../../../sample/checkout/schema.sql")
	if err != nil {
		t.Fatal(err)
	}
	c, err := os.ReadFile("../../../sample/checkout/migrations/001_checkout_core.sql")
	if err != nil {
		t.Fatal(err)
	}
	return review.Source{Name: "schema.sql", Text: string(b)}, review.Source{Name: "001_checkout_core.sql", Text: string(c)}
}

// sampleSizes reads table sizes from the sample's statistics snapshot.
func sampleSizes(t *testing.T) map[string]migration.TableSize {
	t.Helper()
	b, err := os.ReadFile("../../../sample/checkout/audit/stats-snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	snap, err := audit.ParseSnapshot("stats-snapshot.json", b)
	if err != nil {
		t.Fatal(err)
	}
	sizes := map[string]migration.TableSize{}
	for _, tb := range snap.Tables {
		sizes[tb.Name] = migration.TableSize{Rows: tb.NLiveTup, Bytes: tb.TotalBytes}
	}
	return sizes
}

// samplePlan builds the plan of the checkout sample, with its table sizes.
func samplePlan(t *testing.T) migration.Plan {
	t.Helper()
	base, change := sampleSources(t)
	p, err := migration.Build([]review.Source{change}, migration.Options{Baseline: []review.Source{base}, Sizes: sampleSizes(t)})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestGolden(t *testing.T) {
	p := samplePlan(t)
	for _, l := range Layouts() {
		t.Run(string(l), func(t *testing.T) {
			files, err := Files(p, l, Options{Planned: planned})
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join("testdata", string(l))
			if *update {
				if err := os.RemoveAll(dir); err != nil {
					t.Fatal(err)
				}
				if err := Write(dir, files, false); err != nil {
					t.Fatal(err)
				}
			}
			var want []string
			err = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					rel, _ := filepath.Rel(dir, path)
					want = append(want, filepath.ToSlash(rel))
				}
				return err
			})
			if err != nil {
				t.Fatalf("%v (run go test -update to create the golden files)", err)
			}
			var got []string
			for _, f := range files {
				got = append(got, f.Name)
				b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Name)))
				if err != nil {
					t.Errorf("%s: %v (run go test -update)", f.Name, err)
					continue
				}
				if string(b) != f.Content {
					t.Errorf("%s differs from its golden file (run go test -update to accept):\n%s", f.Name, f.Content)
				}
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("files = %q, golden files = %q", got, want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Layout
		err  bool
	}{
		{"plain", Plain, false},
		{"golang-migrate", GolangMigrate, false},
		{" Sqitch", Sqitch, false},
		{"flyway", Flyway, false},
		{"liquibase", "", true},
		{"", "", true},
	} {
		got, err := Parse(tt.in)
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("Parse(%q) = %q, %v", tt.in, got, err)
		}
	}
}

func TestWriteRefusesToOverwrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pkg")
	files := []File{{Name: "001_a.sql", Content: "SELECT 1;\n"}, {Name: "deploy/a.sql", Content: "SELECT 2;\n"}}
	if err := Write(dir, files, false); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "deploy", "a.sql")); err != nil || string(b) != "SELECT 2;\n" {
		t.Fatalf("deploy/a.sql = %q, %v", b, err)
	}
	files[1].Content = "SELECT 3;\n"
	files = append(files, File{Name: "new.sql", Content: "SELECT 4;\n"})
	err := Write(dir, files, false)
	if !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), "001_a.sql") {
		t.Fatalf("second Write: %v, want an error naming 001_a.sql", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "new.sql")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused Write wrote new.sql")
	}
	if err := Write(dir, files, true); err != nil {
		t.Fatalf("Write with force: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "deploy", "a.sql")); string(b) != "SELECT 3;\n" {
		t.Errorf("force did not overwrite: %q", b)
	}
	for _, bad := range []string{"../x.sql", "/abs.sql", ""} {
		if err := Write(dir, []File{{Name: bad}}, true); err == nil {
			t.Errorf("Write accepted %q", bad)
		}
	}
}

// parseAll checks that every .sql file parses with PostgreSQL's parser.
func parseAll(t *testing.T, files []File) {
	t.Helper()
	for _, f := range files {
		if !strings.HasSuffix(f.Name, ".sql") {
			continue
		}
		if _, err := schema.Split(f.Name, f.Content); err != nil {
			t.Errorf("%s does not parse: %v\n%s", f.Name, err, f.Content)
		}
	}
}

// baseline is the schema the representative changes run against.
const baseline = `
CREATE TABLE customers (id bigint PRIMARY KEY, email text);
CREATE TABLE orders (
    id bigint PRIMARY KEY,
    customer_id bigint,
    status text,
    note text,
    total_cents integer,
    created_at timestamptz
);
CREATE INDEX orders_status_idx ON orders (status);
CREATE TYPE order_state AS ENUM ('new', 'paid');
CREATE TABLE payments (id bigint PRIMARY KEY, ref text, CONSTRAINT payments_ref_key UNIQUE (ref));
`

// changes are representative changes, each planned on its own.
var changes = []struct {
	name, sql string
}{
	{"index", "CREATE INDEX orders_customer_idx ON orders (customer_id);"},
	{"foreign_key", "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);"},
	{"check", "ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total_cents >= 0);"},
	{"set_not_null", "ALTER TABLE orders ALTER COLUMN status SET NOT NULL;"},
	{"volatile_default", "ALTER TABLE orders ADD COLUMN public_id uuid NOT NULL DEFAULT gen_random_uuid();"},
	{"unique", "ALTER TABLE customers ADD CONSTRAINT customers_email_key UNIQUE (email);"},
	{"drop_column", "ALTER TABLE orders DROP COLUMN note;"},
	{"enum_value", "ALTER TYPE order_state ADD VALUE 'shipped';"},
	{"rename", "ALTER TABLE orders RENAME COLUMN note TO notes;"},
	{"drop_index", "DROP INDEX orders_status_idx;"},
	{"drop_unique", "ALTER TABLE payments DROP CONSTRAINT payments_ref_key;"},
	{"mixed", `SET lock_timeout = '3s';
CREATE INDEX orders_customer_idx ON orders (customer_id);
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);
ALTER TABLE orders ALTER COLUMN status SET NOT NULL;
ALTER TABLE orders ADD COLUMN public_id uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TYPE order_state ADD VALUE 'shipped';
UPDATE orders SET note = 'none' WHERE note IS NULL;
DROP INDEX orders_status_idx;`},
}

// changePlan plans one representative change.
func changePlan(t *testing.T, name, sql string) migration.Plan {
	t.Helper()
	p, err := migration.Build([]review.Source{{Name: "001_" + name + ".sql", Text: sql}},
		migration.Options{Baseline: []review.Source{{Name: "baseline.sql", Text: baseline}}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEverySQLFileParses(t *testing.T) {
	plans := map[string]migration.Plan{"sample": samplePlan(t)}
	for _, c := range changes {
		plans[c.name] = changePlan(t, c.name, c.sql)
	}
	for name, p := range plans {
		for _, l := range Layouts() {
			t.Run(name+"/"+string(l), func(t *testing.T) {
				files, err := Files(p, l, Options{Planned: planned})
				if err != nil {
					t.Fatal(err)
				}
				parseAll(t, files)
				checkFiles(t, p, l, files)
			})
		}
	}
}

// checkFiles checks what every package must hold, whatever the plan.
func checkFiles(t *testing.T, p migration.Plan, l Layout, files []File) {
	t.Helper()
	byName := map[string]File{}
	for _, f := range files {
		if _, dup := byName[f.Name]; dup {
			t.Errorf("%s appears twice", f.Name)
		}
		if f.Summary == "" {
			t.Errorf("%s has no summary", f.Name)
		}
		byName[f.Name] = f
	}
	for _, n := range []string{"rollback.sql", "lock-risk-checklist.md", "deployment-order.md", "plan.json"} {
		if _, ok := byName[n]; !ok {
			t.Errorf("no %s", n)
		}
	}
	var doc struct {
		Layout string
		Steps  []migration.Step
	}
	if err := json.Unmarshal([]byte(byName["plan.json"].Content), &doc); err != nil {
		t.Fatalf("plan.json: %v", err)
	}
	if doc.Layout != string(l) || len(doc.Steps) != len(p.Steps) {
		t.Errorf("plan.json: layout %q, %d steps", doc.Layout, len(doc.Steps))
	}
	for _, s := range doc.Steps {
		if s.SQL == "" {
			if s.File != "" {
				t.Errorf("the deploy checkpoint names file %s", s.File)
			}
			continue
		}
		f, ok := byName[s.File]
		if !ok {
			t.Errorf("step %d names file %q, not in the package", s.N, s.File)
			continue
		}
		if !strings.Contains(f.Content, strings.TrimSpace(s.SQL)) {
			t.Errorf("step %d: %s does not hold its SQL", s.N, s.File)
		}
		if s.Unsafe && !strings.Contains(f.Content, "-- UNSAFE: ") {
			t.Errorf("step %d is unsafe but %s does not say so", s.N, s.File)
		}
		if s.Irreversible && !strings.Contains(byName["rollback.sql"].Content, fmt.Sprintf("'step %d (", s.N)) {
			t.Errorf("step %d is irreversible but rollback.sql raises no notice for it", s.N)
		}
		if s.Rollback != "" {
			for _, line := range strings.Split(s.Rollback, "\n") {
				if !strings.Contains(byName["rollback.sql"].Content, "\n"+strings.TrimSpace(line)+"\n") {
					t.Errorf("rollback.sql lacks step %d's inverse %q", s.N, line)
				}
			}
		}
		if !strings.Contains(byName["lock-risk-checklist.md"].Content, fmt.Sprintf("## Step %d: ", s.N)) {
			t.Errorf("the checklist has no section for step %d", s.N)
		}
	}
	if l == GolangMigrate {
		for name, f := range byName {
			if !strings.HasSuffix(name, ".sql") || name == "rollback.sql" {
				continue
			}
			checkGolangMigrateFile(t, f)
		}
	}
}

// checkGolangMigrateFile checks a golang-migrate file runs as golang-migrate
// runs it: no explicit transaction control, and a statement PostgreSQL
// refuses in a transaction block only alone.
func checkGolangMigrateFile(t *testing.T, f File) {
	t.Helper()
	stmts, err := schema.Split(f.Name, f.Content)
	if err != nil {
		return // reported by parseAll
	}
	for _, st := range stmts {
		if st.Node.GetTransactionStmt() != nil {
			t.Errorf("%s: %s: golang-migrate files must not control transactions", f.Name, st.Kind)
		}
		if locks.Classify(st, nil, 16).NoTransaction && len(stmts) > 1 {
			t.Errorf("%s: %s shares its file with %d other statements: golang-migrate would run it in a transaction", f.Name, st.Kind, len(stmts)-1)
		}
	}
}

// fixed are the review rules the planner's rewrites exist to satisfy: none
// may fire on a package's forward files.
var fixed = []string{
	"require-concurrent-index-creation",
	"require-concurrent-index-deletion",
	"constraint-missing-not-valid",
	"adding-foreign-key-constraint",
	"disallowed-unique-constraint",
	"adding-not-nullable-field",
	"adding-field-with-default",
	"adding-required-field",
	"require-lock-timeout",
	"require-statement-timeout",
	"ban-concurrent-index-creation-in-transaction",
	"transaction-nesting",
	"ban-uncommitted-transaction",
	"enum-value-used-in-same-transaction",
	"unbounded-dml-in-migration",
	"prefer-robust-stmts",
}

// remaining are the findings a package may still have, and why.
var remaining = map[string]string{
	"multiple-alter-table":         "the planner splits an ALTER TABLE into online steps on purpose, each with its own lock_timeout",
	"missing-uniqueness-guard":     "design: the change adds the guard; the rule asks for a duplicate check first, which the step's note gives",
	"index-without-query-evidence": "design: evidence is a decision, not SQL",
	"foreign-key-without-index":    "design: the change as written has no index for the key",
	"require-enum-value-ordering":  "design: where the value goes is the change's choice",
	"renaming-column":              "kept as written and marked UNSAFE: no online form",
	"ban-drop-column":              "a contract step, run post-deploy once no code uses the column",
}

// forwardFiles are a package's forward SQL files.
func forwardFiles(files []File) []review.Source {
	var out []review.Source
	for _, f := range files {
		switch {
		case !strings.HasSuffix(f.Name, ".sql"), f.Name == "rollback.sql", strings.HasSuffix(f.Name, ".down.sql"),
			strings.HasPrefix(f.Name, "revert/"), strings.HasPrefix(f.Name, "verify/"), strings.HasPrefix(f.Name, "U"):
			continue
		}
		out = append(out, review.Source{Name: f.Name, Text: f.Content})
	}
	return out
}

func TestForwardFilesLintClean(t *testing.T) {
	base, change := sampleSources(t)
	cases := []struct{ name, sql, base string }{{"sample", change.Text, base.Text}}
	for _, c := range changes {
		cases = append(cases, struct{ name, sql, base string }{c.name, c.sql, baseline})
	}
	// The runners whose transaction behaviour the review models; Flyway's
	// per-script executeInTransaction=false is not visible to it.
	layouts := map[Layout]review.Runner{Plain: review.RunnerPlain, GolangMigrate: review.RunnerGolangMigrate, Sqitch: review.RunnerSqitch}
	for _, c := range cases {
		baseline := []review.Source{{Name: "baseline.sql", Text: c.base}}
		original := []review.Source{{Name: "001_" + c.name + ".sql", Text: c.sql}}
		p, err := migration.Build(original, migration.Options{Baseline: baseline})
		if err != nil {
			t.Fatal(err)
		}
		before, err := review.Review(original, review.Options{Baseline: baseline})
		if err != nil {
			t.Fatal(err)
		}
		fixedBefore := 0
		for _, f := range before.Findings {
			if slices.Contains(fixed, f.Rule) {
				fixedBefore++
			}
		}
		for l, runner := range layouts {
			t.Run(c.name+"/"+string(l), func(t *testing.T) {
				files, err := Files(p, l, Options{Planned: planned})
				if err != nil {
					t.Fatal(err)
				}
				res, err := review.Review(forwardFiles(files), review.Options{Baseline: baseline, Runner: runner})
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range res.Findings {
					why, ok := remaining[f.Rule]
					if l == GolangMigrate && f.Rule == "statements-after-access-exclusive" {
						why, ok = "golang-migrate groups brief catalog steps of a phase in one transaction; lock_timeout stays short for each", true
					}
					switch {
					case slices.Contains(fixed, f.Rule):
						t.Errorf("%s fires on the package: %s: %s", f.Rule, f.Pos, f.Message)
					case !ok:
						t.Errorf("unexpected finding %s at %s: %s", f.Rule, f.Pos, f.Message)
					default:
						t.Logf("expected: %s at %s (%s)", f.Rule, f.Pos, why)
					}
				}
				t.Logf("the change as written had %d findings of the rules the package fixes", fixedBefore)
			})
		}
	}
}

// TestOriginalsFireTheFixedRules makes sure TestForwardFilesLintClean tests
// something: each change as written breaks a rule the package fixes.
func TestOriginalsFireTheFixedRules(t *testing.T) {
	for _, c := range changes {
		switch c.name {
		case "drop_column", "enum_value", "rename", "drop_unique":
			continue // nothing to fix: kept as written
		}
		res, err := review.Review([]review.Source{{Name: "001.sql", Text: c.sql}},
			review.Options{Baseline: []review.Source{{Name: "baseline.sql", Text: baseline}}})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, f := range res.Findings {
			if slices.Contains(fixed, f.Rule) {
				n++
			}
		}
		if n == 0 {
			t.Errorf("%s as written breaks none of the fixed rules", c.name)
		}
	}
}

func TestRuleIDsExist(t *testing.T) {
	known := map[string]bool{"statements-after-access-exclusive": false}
	for _, r := range review.Rules() {
		known[r.ID] = true
	}
	for _, id := range fixed {
		if !known[id] {
			t.Errorf("fixed rule %q is not a review rule", id)
		}
	}
	for id := range remaining {
		if !known[id] {
			t.Errorf("remaining rule %q is not a review rule", id)
		}
	}
	if !known["statements-after-access-exclusive"] {
		t.Error("statements-after-access-exclusive is not a review rule")
	}
}

func TestLayoutShapes(t *testing.T) {
	sample := samplePlan(t)
	tests := []struct {
		name   string
		plan   migration.Plan
		layout Layout
		// file -> substrings it must hold ("!" prefix: must not hold)
		want map[string][]string
	}{
		{"plain sample names", sample, Plain, map[string][]string{
			"001_checkout_core.sql":             {"BEGIN;\nSET LOCAL lock_timeout = '1s';\nSET LOCAL statement_timeout = '5s';\nALTER TABLE orders ADD COLUMN IF NOT EXISTS channel text;\nCOMMIT;\n"},
			"002_checkout_core_backfill.sql":    {"SET lock_timeout = '1min';\nSET statement_timeout = '0';\nDO $$", "RESET lock_timeout;\nRESET statement_timeout;\n", "[IRREVERSIBLE]"},
			"003_checkout_core_post_deploy.sql": {"ALTER TABLE orders VALIDATE CONSTRAINT orders_channel_check;"},
			"rollback.sql":                      {"SET lock_timeout = '1min';\nSET statement_timeout = '1h';\nDROP INDEX CONCURRENTLY IF EXISTS orders_support_lookup_idx;\nRESET", "RAISE NOTICE '%', 'step 9 (Delete rows of checkout_sessions) cannot be undone."},
		}},
		{"golang-migrate keeps CONCURRENTLY alone", sample, GolangMigrate, map[string][]string{
			"003_checkout_core_build_index_payments_provider_reference_key_concurrently.up.sql":   {"PGOPTIONS='-c lock_timeout=1min -c statement_timeout=1h'", "!SET ", "!BEGIN;"},
			"003_checkout_core_build_index_payments_provider_reference_key_concurrently.down.sql": {"\nDROP INDEX CONCURRENTLY IF EXISTS payments_provider_reference_key;\n", "!SET "},
			"001_checkout_core_pre_deploy.up.sql":                                                 {"SET LOCAL lock_timeout = '1s';", "!BEGIN;", "!COMMIT;"},
			"deployment-order.md":                                                                 {"PGOPTIONS='-c lock_timeout=1min -c statement_timeout=0' migrate -path . -database \"$DATABASE_URL\" up 1"},
		}},
		{"flyway turns the transaction off per script", sample, Flyway, map[string][]string{
			"V5__checkout_core_build_index_orders_support_lookup_idx_concurrently.sql.conf": {"executeInTransaction=false\n"},
			"U2__checkout_core_create_index_payment_events_payment_id_idx.sql.conf":         {"executeInTransaction=false\n"},
			"V1__checkout_core_pre_deploy.sql":                                              {"SET LOCAL lock_timeout", "!BEGIN;"},
			"deployment-order.md":                                                           {"flyway -locations=filesystem:. -target=5 migrate"},
		}},
		{"sqitch plan", sample, Sqitch, map[string][]string{
			"sqitch.plan": {"%syntax-version=1.0.0\n%project=checkout_core\n\nadd_column_orders_channel 2026-03-14T09:30:00Z pgrollout <pgrollout@localhost> # Step 1 (pre-deploy): Add column orders.channel\n",
				"\n@checkout_core_pre_deploy 2026-03-14T09:30:00Z pgrollout <pgrollout@localhost> # End of pre-deploy: deploy the application next\ndelete_rows_of_checkout_sessions "},
			"deploy/add_column_orders_channel.sql":                          {"-- Deploy checkout_core:add_column_orders_channel to pg\n", "BEGIN;\n", "COMMIT;\n"},
			"verify/build_index_orders_support_lookup_idx_concurrently.sql": {"SELECT 1/count(*) FROM pg_index WHERE indexrelid = to_regclass('orders_support_lookup_idx') AND indisvalid;"},
			"verify/validate_constraint_orders_channel_check.sql":           {"AND convalidated;"},
			"revert/update_rows_of_payments.sql":                            {"RAISE NOTICE"},
		}},
		{"golang-migrate hands a mixed inverse to rollback.sql", changePlan(t, "drop_unique", "ALTER TABLE payments DROP CONSTRAINT payments_ref_key;"), GolangMigrate, map[string][]string{
			"001_drop_unique_drop_constraint_payments_ref_key.down.sql": {"RAISE EXCEPTION", "-- CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS payments_ref_key"},
		}},
		{"flyway runs a mixed inverse outside a transaction", changePlan(t, "drop_unique", "ALTER TABLE payments DROP CONSTRAINT payments_ref_key;"), Flyway, map[string][]string{
			"U1__drop_unique_drop_constraint_payments_ref_key.sql.conf": {"executeInTransaction=false"},
			"U1__drop_unique_drop_constraint_payments_ref_key.sql":      {"SET lock_timeout = '1min';\nSET statement_timeout = '1h';\nCREATE UNIQUE INDEX CONCURRENTLY", "SET lock_timeout = '1s';\nSET statement_timeout = '5s';\nALTER TABLE payments ADD CONSTRAINT payments_ref_key UNIQUE USING INDEX"},
		}},
		{"a held lock caps later lock timeouts", changePlan(t, "group", "ALTER TABLE orders ADD COLUMN x text;\nCREATE TABLE audit_log (id bigint);"), GolangMigrate, map[string][]string{
			"001_group_pre_deploy.up.sql": {"-- lock_timeout 1s instead of 1min: this transaction already holds ACCESS EXCLUSIVE on orders",
				"SET LOCAL lock_timeout = '1s';\nSET LOCAL statement_timeout = '5s';\nCREATE TABLE audit_log"},
		}},
		{"rename is marked unsafe", changePlan(t, "rename", "ALTER TABLE orders RENAME COLUMN note TO notes;"), Plain, map[string][]string{
			"001_rename.sql":         {"[UNSAFE]", "-- UNSAFE: kept as written: no online form. A rename breaks"},
			"lock-risk-checklist.md": {"> **UNSAFE: kept as written, no online form.**"},
			"rollback.sql":           {"ALTER TABLE orders RENAME COLUMN notes TO note;"},
		}},
		{"a drop is irreversible", changePlan(t, "drop_column", "ALTER TABLE orders DROP COLUMN note;"), Plain, map[string][]string{
			"001_drop_column_post_deploy.sql": {"[IRREVERSIBLE]", "-- Recovery: Re-create the column"},
			"rollback.sql":                    {"RAISE NOTICE '%', 'step 2 (Drop column orders.note) cannot be undone: The column''s values are gone"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, err := Files(tt.plan, tt.layout, Options{Planned: planned})
			if err != nil {
				t.Fatal(err)
			}
			byName := map[string]string{}
			for _, f := range files {
				byName[f.Name] = f.Content
			}
			for name, subs := range tt.want {
				if subs == nil {
					continue
				}
				content, ok := byName[name]
				if !ok {
					t.Errorf("no %s among %v", name, slices.Sorted(maps.Keys(byName)))
					continue
				}
				for _, s := range subs {
					if strings.HasPrefix(s, "!") {
						if strings.Contains(content, s[1:]) {
							t.Errorf("%s holds %q:\n%s", name, s[1:], content)
						}
					} else if !strings.Contains(content, s) {
						t.Errorf("%s lacks %q:\n%s", name, s, content)
					}
				}
			}
		})
	}
}

func TestFilesIsPure(t *testing.T) {
	p := samplePlan(t)
	if _, err := Files(p, Sqitch, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, s := range p.Steps {
		if s.File != "" {
			t.Fatalf("Files set step %d's File on the caller's plan", s.N)
		}
	}
	files, err := Files(p, Sqitch, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(files[1].Content, " 1970-01-01T00:00:00Z pgrollout ") {
		t.Errorf("a zero planning time is not the epoch:\n%s", files[1].Content)
	}
	if _, err := Files(p, Layout("liquibase"), Options{}); err == nil {
		t.Error("an unknown layout was accepted")
	}
	if got, want := Summary(p), "10 steps (7 pre-deploy, 2 backfill, 1 post-deploy); 0 unsafe, 2 irreversible"; got != want {
		t.Errorf("Summary = %q, want %q", got, want)
	}
}

func TestEmptyAndOddPlans(t *testing.T) {
	for _, c := range []struct{ file, sql string }{
		{"001_nothing.sql", "-- nothing to run\n"},
		{"002_Add Orders! $$ ' \".sql", "SET search_path = public;\nCREATE TABLE \"Odd \"\"name\" (id bigint);\nCREATE INDEX ON \"Odd \"\"name\" (id);\nCOMMENT ON TABLE \"Odd \"\"name\" IS 'it''s -- not a comment $$';"},
	} {
		p, err := migration.Build([]review.Source{{Name: c.file, Text: c.sql}}, migration.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range Layouts() {
			files, err := Files(p, l, Options{})
			if err != nil {
				t.Fatalf("%s %s: %v", c.file, l, err)
			}
			parseAll(t, files)
			checkFiles(t, p, l, files)
			for _, f := range files {
				if strings.ContainsAny(f.Name, " !$'\"") {
					t.Errorf("file name %q is not a plain slug", f.Name)
				}
			}
		}
	}
}
