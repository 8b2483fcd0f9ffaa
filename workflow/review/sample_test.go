package review

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/pgrollout/pgrollout/workflow/review/rules/design"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// TestSampleDesignFindings reviews the checkout sample's migration against its
// schema draft and checks that the design rules find exactly the sample's three
// items: the payment provider reference lacking a unique guard until the staged
// unique index, the support lookup index with no query evidence, and the broad
// cleanup DML (one finding per statement).
func TestSampleDesignFindings(t *testing.T) {
	dir := filepath.Join("..", "..", "sample", "checkout")
	read := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	res, err := Review(
		[]Source{{Name: "migrations/001_checkout_core.sql", Text: read("migrations/001_checkout_core.sql")}},
		Options{Baseline: []Source{{Name: "schema.sql", Text: read("schema.sql")}}},
	)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range design.Rules() {
		ids = append(ids, r.ID)
	}
	type item struct{ rule, object, kind string }
	want := []item{
		{"missing-uniqueness-guard", "payments.provider_reference", "CREATE UNIQUE INDEX"},
		{"index-without-query-evidence", "orders_support_lookup_idx", "CREATE INDEX"},
		{"unbounded-dml-in-migration", "checkout_sessions", "DELETE"},
		{"unbounded-dml-in-migration", "payments.provider_payload", "UPDATE"},
	}
	var got []item
	for _, f := range res.Findings {
		if !slices.Contains(ids, f.Rule) {
			continue
		}
		kind := ""
		if stmts, err := schema.Split("finding.sql", f.Statement); err == nil && len(stmts) == 1 {
			kind = stmts[0].Kind
		}
		got = append(got, item{f.Rule, f.Object, kind})
		if f.SafeSQL == "" || f.Message == "" || f.Pos.Line == 0 {
			t.Errorf("%s on %s: incomplete finding %+v", f.Rule, f.Object, f)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("design findings on the sample:\n got %v\nwant %v", got, want)
	}
}
