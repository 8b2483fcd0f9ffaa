package migration

import (
	"errors"
	"strings"
	"testing"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

func doc(kind workflow.DocumentKind, name, text string) workflow.Document {
	return workflow.Document{Kind: kind, Name: name, Text: text}
}

func project(docs ...workflow.Document) workflow.Project {
	return workflow.Project{Meta: workflow.ProjectMeta{Name: "t"}, Documents: docs}
}

const paymentsSchema = "CREATE TABLE payments (id bigint PRIMARY KEY, provider_ref text);\n"

const core = `-- 001: checkout core
SET lock_timeout = '3s';

CREATE UNIQUE INDEX CONCURRENTLY payments_provider_ref_idx
  ON payments (provider_ref);
ALTER TABLE payments ADD CONSTRAINT payments_provider_ref_key UNIQUE USING INDEX payments_provider_ref_idx;
`

func TestItems(t *testing.T) {
	p := project(doc(workflow.KindSchema, "schema.sql", paymentsSchema), doc(workflow.KindMigration, "migrations/001_core.sql", core))
	items, err := Items(p)
	if err != nil {
		t.Fatal(err)
	}
	var ids, badges []string
	for _, it := range items {
		ids = append(ids, it.ID)
		badges = append(badges, it.Badge)
	}
	if len(items) != 4 || items[0].ID != "deployment-order" {
		t.Fatalf("items %q", ids)
	}
	if got := strings.Join(badges, "|"); got != "2 steps|online|r/w lock|deploy" {
		t.Errorf("badges %q", got)
	}
	if items[1].Copy != "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS payments_provider_ref_idx ON payments USING btree (provider_ref);" {
		t.Errorf("copy %q", items[1].Copy)
	}
	for _, want := range []string{"lock_timeout `1min`", "SHARE UPDATE EXCLUSIVE", "DROP INDEX CONCURRENTLY IF EXISTS payments_provider_ref_idx", "## As written in the change"} {
		if !strings.Contains(items[1].Detail, want) {
			t.Errorf("step detail lacks %q:\n%s", want, items[1].Detail)
		}
	}
	again, _ := Items(p)
	for i := range items {
		if again[i].ID != items[i].ID {
			t.Errorf("item %d id not stable: %q then %q", i, items[i].ID, again[i].ID)
		}
	}
	if none, err := Items(project(doc(workflow.KindSchema, "schema.sql", paymentsSchema))); err != nil || none != nil {
		t.Errorf("no migrations: %v, %v", none, err)
	}
}

func TestItemsSyntaxError(t *testing.T) {
	_, err := Items(project(doc(workflow.KindMigration, "001_ok.sql", "SELECT 1"), doc(workflow.KindMigration, "002_bad.sql", "SELECT 1;\nALTER TABLE orders ADD COLUMN;")))
	var se *schema.SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a syntax error", err)
	}
	if want := "002_bad.sql:2:30: syntax error: at or near \";\""; err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
}

func TestRanges(t *testing.T) {
	for _, tt := range []struct {
		in   []int
		want string
	}{{nil, "—"}, {[]int{4}, "4"}, {[]int{1, 2, 3, 5, 7, 8}, "1–3, 5, 7–8"}} {
		if got := ranges(tt.in); got != tt.want {
			t.Errorf("ranges(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
