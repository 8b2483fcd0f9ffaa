package review

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

const core = `-- checkout core
BEGIN;
ALTER TABLE orders
  ADD COLUMN note text;  -- for support
COMMIT;

CREATE UNIQUE INDEX CONCURRENTLY payments_provider_ref_idx
  ON app.payments (provider_ref);
`

func TestItems(t *testing.T) {
	tests := []struct {
		name   string
		p      workflow.Project
		titles []string
	}{
		{"no migrations", project(), nil},
		{"schema drafts are not under review", project(workflow.Document{Kind: workflow.KindSchema, Name: "s.sql", Text: "CREATE TABLE t (a int)"}), nil},
		{
			"statements of every file in apply order",
			project(mig("migrations/002_lookup.sql", "CREATE INDEX ON orders (customer_id)"), mig("migrations/001_checkout_core.sql", core)),
			[]string{
				"001:2 BEGIN",
				"001:3 orders",
				"001:5 COMMIT",
				"001:7 app.payments",
				"002:1 orders",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, err := Items(tt.p)
			if err != nil {
				t.Fatal(err)
			}
			var titles []string
			for _, it := range items {
				if !strings.HasPrefix(it.ID, "stmt:") {
					continue // findings come first; this test is about the statement rows
				}
				titles = append(titles, it.Title)
				if !strings.HasPrefix(it.Detail, "# "+it.Badge) {
					t.Errorf("badge %q is not the kind heading the detail %q", it.Badge, it.Detail)
				}
			}
			if strings.Join(titles, "|") != strings.Join(tt.titles, "|") {
				t.Errorf("titles = %q, want %q", titles, tt.titles)
			}
		})
	}
}

func TestDetails(t *testing.T) {
	items, err := Items(project(mig("migrations/001_checkout_core.sql", core)))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		item     int
		id       string
		contains []string
		lacks    []string
	}{
		{
			item: 0, id: "stmt:migrations/001_checkout_core.sql#1",
			contains: []string{"- **Position:** `migrations/001_checkout_core.sql:2:1` (line 2, statement 1)\n", "```sql\nBEGIN\n```\n"},
			lacks:    []string{"Target"},
		},
		{
			item: 1, id: "stmt:migrations/001_checkout_core.sql#2",
			contains: []string{
				"(lines 3–4, statement 2)",
				"- **Target:** `orders`\n",
				"```sql\nALTER TABLE orders\n  ADD COLUMN note text\n```\n",
			},
			lacks: []string{"for support"},
		},
		{
			item: 3, id: "stmt:migrations/001_checkout_core.sql#4",
			contains: []string{"- **Target:** `app.payments`\n", "ON app.payments (provider_ref)\n```"},
		},
	}
	var stmts []workflow.Item // the statement rows, after the findings
	for _, it := range items {
		if strings.HasPrefix(it.ID, "stmt:") {
			stmts = append(stmts, it)
		}
	}
	for _, tt := range tests {
		it := stmts[tt.item]
		if it.ID != tt.id {
			t.Errorf("item %d id = %q, want %q", tt.item, it.ID, tt.id)
		}
		for _, s := range tt.contains {
			if !strings.Contains(it.Detail, s) {
				t.Errorf("item %d detail lacks %q:\n%s", tt.item, s, it.Detail)
			}
		}
		for _, s := range tt.lacks {
			if strings.Contains(it.Detail, s) {
				t.Errorf("item %d detail has %q:\n%s", tt.item, s, it.Detail)
			}
		}
	}
}

func TestStatements(t *testing.T) {
	stmts, err := Statements(project(mig("002.sql", "DELETE FROM orders"), mig("001.sql", "BEGIN; COMMIT")))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, st := range stmts {
		got = append(got, st.Pos.File+" "+st.Kind)
	}
	if want := "001.sql BEGIN|001.sql COMMIT|002.sql DELETE"; strings.Join(got, "|") != want {
		t.Errorf("statements = %q, want %s", got, want)
	}
}

func TestItemsSyntaxError(t *testing.T) {
	_, err := Items(project(mig("001.sql", "BEGIN;\nUPDATE orders SET WHERE id = 1;")))
	var se *schema.SyntaxError
	if !errors.As(err, &se) || se.Pos.Line != 2 || !strings.Contains(err.Error(), "001.sql") {
		t.Errorf("err = %v, want a syntax error on line 2 naming the file", err)
	}
}
