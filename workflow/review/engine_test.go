package review

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/pgrollout/pgrollout/bench/gensql"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

const ordersBase = "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL);\n"

func rulesOf(t *testing.T, sql string, o Options) map[string]int {
	t.Helper()
	if o.Baseline == nil {
		o.Baseline = []Source{{Name: "base.sql", Text: ordersBase}}
	}
	res, err := Review([]Source{{Name: "m.sql", Text: sql}}, o)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, f := range res.Findings {
		got[f.Rule]++
	}
	return got
}

func TestSuppressionComments(t *testing.T) {
	const idx = "CREATE INDEX orders_customer_idx ON orders (customer_id);\n"
	tests := []struct {
		name  string
		sql   string
		fires bool
	}{
		{"no comment", idx, true},
		{"pgrollout-ignore on the statement", "-- pgrollout-ignore require-concurrent-index-creation\n" + idx, false},
		{"several ids", "-- pgrollout-ignore prefer-robust-stmts, require-concurrent-index-creation\n" + idx, false},
		{"squawk-ignore", "-- squawk-ignore require-concurrent-index-creation\n" + idx, false},
		{"another rule ignored", "-- pgrollout-ignore prefer-robust-stmts\n" + idx, true},
		{"ignore-file with the rule", "-- pgrollout-ignore-file require-concurrent-index-creation\nSELECT 1;\n" + idx, false},
		{"ignore applies to the next statement only", "-- pgrollout-ignore require-concurrent-index-creation\nSELECT 1;\n" + idx, true},
		{"block comment", "/* squawk-ignore require-concurrent-index-creation */\n" + idx, false},
		{"trailing comment on the statement's line", strings.TrimSuffix(idx, "\n") + " -- pgrollout-ignore require-concurrent-index-creation\n", false},
		{"trailing comment belongs to the statement before", "SELECT 1; -- pgrollout-ignore require-concurrent-index-creation\n" + idx, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rulesOf(t, tt.sql, Options{})["require-concurrent-index-creation"] > 0; got != tt.fires {
				t.Errorf("fires %v, want %v", got, tt.fires)
			}
		})
	}
	if res, _ := Review([]Source{{Name: "m.sql", Text: "-- pgrollout-ignore-file\n" + idx}}, Options{}); len(res.Findings) != 0 {
		t.Errorf("ignore-file without ids should skip the file: %d findings", len(res.Findings))
	}
}

func TestTablesCreatedInTheChangeAreNew(t *testing.T) {
	sql := "CREATE TABLE lines (id bigint PRIMARY KEY, order_id bigint);\nCREATE INDEX lines_order_idx ON lines (order_id);\n"
	if n := rulesOf(t, sql, Options{})["require-concurrent-index-creation"]; n != 0 {
		t.Error("an index on a table created in the same change needs no CONCURRENTLY")
	}
}

func TestRunnerWrapsFiles(t *testing.T) {
	const cic = "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_idx ON orders (customer_id);\n"
	two := "SET lock_timeout = '1s';\n" + cic
	for _, tt := range []struct {
		runner Runner
		sql    string
		fires  bool
	}{
		{RunnerPlain, two, false},
		{RunnerFlyway, two, true},
		{RunnerAssumeInTransaction, two, true},
		{RunnerGolangMigrate, two, true},
		{RunnerGolangMigrate, cic, false},
		{RunnerPlain, "BEGIN;\n" + cic + "COMMIT;\n", true},
		{RunnerPlain, "BEGIN;\nCOMMIT;\n" + cic, false},
		{RunnerPlain, "BEGIN;\nCOMMIT AND CHAIN;\n" + cic + "COMMIT;\n", true},
	} {
		got := rulesOf(t, tt.sql, Options{Runner: tt.runner})["ban-concurrent-index-creation-in-transaction"] > 0
		if got != tt.fires {
			t.Errorf("%s on %q: fires %v, want %v", tt.runner, tt.sql, got, tt.fires)
		}
	}
}

func TestOptInAndExclude(t *testing.T) {
	const sql = "CREATE TABLE audit_log (id bigint PRIMARY KEY);\n"
	if rulesOf(t, sql, Options{})["require-table-schema"] != 0 {
		t.Error("an opt-in rule ran without being included")
	}
	if rulesOf(t, sql, Options{Include: []string{"require-table-schema"}})["require-table-schema"] == 0 {
		t.Error("an included opt-in rule did not run")
	}
	if rulesOf(t, sql, Options{Include: []string{"require-table-schema"}, Exclude: []string{"require-table-schema"}})["require-table-schema"] != 0 {
		t.Error("exclusion should win over inclusion")
	}
}

func TestFindingKeysAreStableAndUnique(t *testing.T) {
	run := func(sql string) []Finding {
		res, err := Review([]Source{{Name: "m.sql", Text: sql}}, Options{Baseline: []Source{{Name: "b.sql", Text: ordersBase}}})
		if err != nil {
			t.Fatal(err)
		}
		return res.Findings
	}
	a := run("CREATE INDEX orders_customer_idx ON orders (customer_id);\n")
	b := run("\n\n-- moved down and reformatted\ncreate index orders_customer_idx\n  on orders (customer_id);\n")
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("findings %d and %d", len(a), len(b))
	}
	for i := range a {
		if a[i].Key != b[i].Key {
			t.Errorf("key moved with the line: %s vs %s", a[i].Key, b[i].Key)
		}
	}
	seen := map[string]bool{}
	for _, f := range run("COMMIT;\nCOMMIT;\n") {
		if seen[f.Key] {
			t.Errorf("key %s twice", f.Key)
		}
		seen[f.Key] = true
	}
}

func TestSyntaxErrorIsPositioned(t *testing.T) {
	_, err := Review([]Source{{Name: "m.sql", Text: "SELECT 1;\n\nALTER TABLE orders ADD COLUMN;\n"}}, Options{})
	var se *schema.SyntaxError
	if !errors.As(err, &se) || se.Pos.Line != 3 || !strings.HasPrefix(err.Error(), "m.sql:3:") {
		t.Errorf("error %v", err)
	}
}

func FuzzReview(f *testing.F) {
	f.Add("CREATE INDEX orders_customer_idx ON orders (customer_id);")
	f.Add("BEGIN;\nALTER TABLE orders ADD COLUMN note text DEFAULT gen_random_uuid()::text;\nCOMMIT AND CHAIN;\n-- pgrollout-ignore\nDROP TABLE orders;")
	f.Add("ALTER TABLE orders ALTER COLUMN customer_id TYPE text USING customer_id::text, ADD CONSTRAINT c CHECK (id > 0);")
	f.Fuzz(func(t *testing.T, sql string) {
		_, _ = Review([]Source{{Name: "f.sql", Text: sql}}, Options{Baseline: []Source{{Name: "b.sql", Text: ordersBase}}})
	})
}

func TestPanickingRuleBecomesAnError(t *testing.T) {
	st, err := schema.Split("m.sql", "SELECT 1;\nSELECT 2;\n")
	if err != nil {
		t.Fatal(err)
	}
	boom := rule.Rule{ID: "boom", Check: func(*rule.Context) []rule.Violation { panic("nil map") }}
	_, err = check(boom, &rule.Context{Stmt: st[1]})
	if err == nil || !strings.Contains(err.Error(), "m.sql:2:1: rule boom failed") {
		t.Errorf("error %v", err)
	}
}

// TestRangesMatchOnePass reviews a generated migration large enough to be cut
// into ranges: the findings must be those of a single pass, in order.
func TestRangesMatchOnePass(t *testing.T) {
	mig, base := gensql.Migration(parallelFrom + 500)
	stmts, err := schema.Split("m.sql", mig)
	if err != nil {
		t.Fatal(err)
	}
	files := []parsedFile{{Source{Name: "m.sql", Text: mig}, stmts}}
	o := Options{Baseline: []Source{{Name: "b.sql", Text: base}}, Runner: RunnerGolangMigrate}
	one, err := reviewOn(files, o, 1)
	if err != nil {
		t.Fatal(err)
	}
	three, err := reviewOn(files, o, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(one.Findings) == 0 {
		t.Fatal("no findings")
	}
	if !reflect.DeepEqual(one, three) {
		for i := range min(len(one.Findings), len(three.Findings)) {
			if !reflect.DeepEqual(one.Findings[i], three.Findings[i]) {
				t.Fatalf("finding %d differs:\n%+v\none pass:\n%+v", i, three.Findings[i], one.Findings[i])
			}
		}
		t.Fatalf("%d findings in ranges, %d in one pass", len(three.Findings), len(one.Findings))
	}
}
