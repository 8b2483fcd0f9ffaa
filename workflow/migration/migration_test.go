package migration

import (
	"errors"
	"strings"
	"testing"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

func mig(name, text string) workflow.Document {
	return workflow.Document{Kind: workflow.KindMigration, Name: name, Text: text}
}

func project(docs ...workflow.Document) workflow.Project {
	return workflow.Project{Meta: workflow.ProjectMeta{Name: "t"}, Documents: docs}
}

const core = `-- 001: checkout core
SET lock_timeout = '3s';

CREATE UNIQUE INDEX CONCURRENTLY payments_provider_ref_idx
  ON payments (provider_ref);
ALTER TABLE payments ADD CONSTRAINT payments_provider_ref_key UNIQUE USING INDEX payments_provider_ref_idx;
`

func TestItems(t *testing.T) {
	tests := []struct {
		name   string
		p      workflow.Project
		titles []string
		badges []string
	}{
		{"no migrations", project(workflow.Document{Kind: workflow.KindSchema, Name: "s.sql", Text: "SELECT 1"}), nil, nil},
		{
			"files in name order, not stored order",
			project(mig("migrations/002_support_lookup.sql", "CREATE INDEX ON orders (customer_id);"), mig("migrations/001_checkout_core.sql", core)),
			[]string{"Deployment order", "migrations/001_checkout_core.sql", "migrations/002_support_lookup.sql"},
			[]string{"2 files", "3 stmts", "1 stmt"},
		},
		{
			"file name decides over directory",
			project(mig("later/010_b.sql", "SELECT 1"), mig("002_a.sql", "SELECT 1")),
			[]string{"Deployment order", "002_a.sql", "later/010_b.sql"},
			[]string{"2 files", "1 stmt", "1 stmt"},
		},
		{
			"a file with only comments",
			project(mig("003_note.sql", "-- nothing to run\n")),
			[]string{"Deployment order", "003_note.sql"},
			[]string{"1 file", "0 stmts"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, err := Items(tt.p)
			if err != nil {
				t.Fatal(err)
			}
			var titles, badges []string
			for _, it := range items {
				titles = append(titles, it.Title)
				badges = append(badges, it.Badge)
			}
			if strings.Join(titles, "|") != strings.Join(tt.titles, "|") || strings.Join(badges, "|") != strings.Join(tt.badges, "|") {
				t.Errorf("items = %q %q, want %q %q", titles, badges, tt.titles, tt.badges)
			}
		})
	}
}

func TestDetails(t *testing.T) {
	items, err := Items(project(mig("002_b.sql", "SELECT 1; -- ``` not a fence\nBEGIN;"), mig("001_checkout_core.sql", core)))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		item     int
		contains []string
	}{
		{0, []string{"1. `001_checkout_core.sql` — 3 statements\n2. `002_b.sql` — 2 statements\n"}},
		{1, []string{
			"| Line | Kind | Target |\n|---|---|---|\n",
			"| 2 | SET | `lock_timeout` |\n",
			"| 4 | CREATE UNIQUE INDEX | `payments` |\n",
			"| 6 | ALTER TABLE | `payments` |\n",
			"```sql\n" + strings.TrimRight(core, "\n") + "\n```\n",
		}},
		{2, []string{"| 2 | BEGIN | — |\n", "````sql\nSELECT 1; -- ``` not a fence\nBEGIN;\n````\n"}},
	}
	for _, tt := range tests {
		d := items[tt.item].Detail
		for _, s := range tt.contains {
			if !strings.Contains(d, s) {
				t.Errorf("item %d detail lacks %q:\n%s", tt.item, s, d)
			}
		}
	}
	if items[1].ID != "file:001_checkout_core.sql" || items[0].ID != "deployment-order" {
		t.Errorf("ids = %q, %q", items[0].ID, items[1].ID)
	}
}

func TestItemsSyntaxError(t *testing.T) {
	_, err := Items(project(mig("001_ok.sql", "SELECT 1"), mig("002_bad.sql", "SELECT 1;\nALTER TABLE orders ADD COLUMN;")))
	var se *schema.SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a syntax error", err)
	}
	if want := "migration 002_bad.sql: 002_bad.sql:2:30: syntax error: at or near \";\""; err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
}
