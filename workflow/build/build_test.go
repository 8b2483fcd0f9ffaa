package build

import (
	"errors"
	"strings"
	"testing"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/md"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

const draft = `-- checkout draft
CREATE TABLE customers (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email varchar(320) NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamp with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE orders (
  id bigserial PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers ON DELETE RESTRICT,
  status text NOT NULL DEFAULT 'pending' CHECK (status <> ''),
  created_at timestamp NOT NULL DEFAULT now()
);
CREATE TABLE payment_events (
  order_id bigint REFERENCES orders (id) ON DELETE CASCADE,
  provider_ref varchar(64)
);
CREATE INDEX ON orders (customer_id, created_at DESC);
`

func project(docs ...workflow.Document) workflow.Project {
	return workflow.Project{Meta: workflow.ProjectMeta{Name: "t"}, Documents: docs}
}

func notes(text string) workflow.Document {
	return workflow.Document{Kind: workflow.KindNotes, Name: "notes.md", Text: text}
}

func sqlDoc(name, text string) workflow.Document {
	return workflow.Document{Kind: workflow.KindSchema, Name: name, Text: text}
}

func TestItems(t *testing.T) {
	tests := []struct {
		name   string
		p      workflow.Project
		titles []string
		badges []string
	}{
		{"empty project", project(), nil, nil},
		{"notes only", project(notes("# Checkout\n\nOrders and payments.")), []string{"Product notes"}, []string{"notes"}},
		{
			"notes and draft",
			project(notes("# Checkout"), sqlDoc("schema.sql", draft)),
			[]string{"Product notes", "Model overview", "customers", "orders", "payment_events"},
			[]string{"notes", "3 tables", "4 cols", "4 cols", "2 cols"},
		},
		{"draft with only comments", project(sqlDoc("schema.sql", "-- nothing yet")), []string{"Model overview"}, []string{"0 tables"}},
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

func TestNotesDetail(t *testing.T) {
	items, err := Items(project(notes("# Checkout\n\nOrders and payments.\n")))
	if err != nil {
		t.Fatal(err)
	}
	if items[0].Detail != "# Checkout\n\nOrders and payments.\n" {
		t.Errorf("notes detail = %q", items[0].Detail)
	}
}

// detailOf returns the detail of the item with the given title.
func detailOf(t *testing.T, items []workflow.Item, title string) workflow.Item {
	t.Helper()
	for _, it := range items {
		if it.Title == title {
			return it
		}
	}
	t.Fatalf("no item %q", title)
	return workflow.Item{}
}

func TestDetails(t *testing.T) {
	items, err := Items(project(sqlDoc("schema.sql", draft)))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		item     string
		contains []string
		lacks    []string
	}{
		{
			item: "Model overview",
			contains: []string{
				"3 tables, 2 foreign keys, 1 index, 0 enums.",
				"- `orders.customer_id -> customers.id` (on delete restrict)",
				"- `payment_events.order_id -> orders.id` (on delete cascade)",
				"## Tables without a primary key\n\n- `payment_events`\n",
			},
			lacks: []string{"Every table has a primary key", "not in the draft"},
		},
		{
			item: "customers",
			contains: []string{
				"| Column | Type | Null | Default |",
				"| `id` | `bigint` | not null | identity (always) |",
				"| `email` | `varchar(320)` | not null | — |",
				"| `created_at` | `timestamptz` | not null | `now()` |",
				"`id` (`customers_pkey`)",
				"- `email` (`customers_email_key`)",
				"Referenced by:\n\n- `orders.customer_id -> customers.id` (on delete restrict)",
				"| `updated_at` | yes | yes | yes | yes |",
				"Follows the convention.",
			},
			lacks: []string{"Does not follow"},
		},
		{
			item: "orders",
			contains: []string{
				"| `status` | `text` | not null | `'pending'` |",
				"- `orders_status_check`: `status <> ''`",
				"- `orders_customer_id_created_at_idx`: `btree (customer_id, created_at DESC)`",
				"| `created_at` | yes | no (`timestamp`) | yes | yes |",
				"| `updated_at` | no | no | no | no |",
				"Does not follow the convention: `created_at`, `updated_at`.",
			},
			lacks: []string{"Follows the convention."},
		},
		{
			item:     "payment_events",
			contains: []string{"### Primary key\n\n_None._", "### Unique rules\n\n_None._", "_No indexes besides those of the keys._"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.item, func(t *testing.T) {
			d := detailOf(t, items, tt.item).Detail
			for _, s := range tt.contains {
				if !strings.Contains(d, s) {
					t.Errorf("detail lacks %q:\n%s", s, d)
				}
			}
			for _, s := range tt.lacks {
				if strings.Contains(d, s) {
					t.Errorf("detail has %q:\n%s", s, d)
				}
			}
		})
	}
	if tone := detailOf(t, items, "payment_events").Tone; tone != workflow.ToneWarn {
		t.Errorf("a table without a primary key has tone %v, want warn", tone)
	}
	if tone := detailOf(t, items, "customers").Tone; tone != workflow.ToneNeutral {
		t.Errorf("customers tone = %v, want neutral", tone)
	}
}

func TestItemsErrors(t *testing.T) {
	tests := []struct {
		name   string
		doc    workflow.Document
		want   string
		target any
	}{
		{"syntax error", sqlDoc("draft.sql", "CREATE TABLE a (id int);\n\nCREATE TABLE b (id int,, x int);"),
			`schema draft draft.sql: draft.sql:3:24: syntax error: at or near ","`, new(*schema.SyntaxError)},
		{"replay error", sqlDoc("draft.sql", "CREATE INDEX ON missing (id);"),
			`schema draft draft.sql: draft.sql:1:1: CREATE INDEX: relation "missing" does not exist`, new(*schema.ApplyError)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, err := Items(project(notes("n"), tt.doc))
			if err == nil || err.Error() != tt.want {
				t.Fatalf("err = %v, want %s", err, tt.want)
			}
			if !errors.As(err, tt.target) {
				t.Errorf("err %T does not unwrap to %T", err, tt.target)
			}
			if items != nil {
				t.Errorf("items = %v on error, want nil", items)
			}
		})
	}
}

func TestModelAcrossDrafts(t *testing.T) {
	p := project(sqlDoc("a.sql", "CREATE TABLE a (id int PRIMARY KEY);"), sqlDoc("b.sql", "CREATE TABLE b (a_id int REFERENCES a);"))
	m, err := Model(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Tables) != 2 || m.Tables[1].ForeignKeys[0].RefColumns[0] != "id" {
		t.Errorf("model across drafts = %+v", m.Tables)
	}
}

func TestIsNow(t *testing.T) {
	tests := []struct {
		expr string
		want bool
	}{
		{"now()", true},
		{"current_timestamp", true},
		{"CURRENT_TIMESTAMP", true},
		{"transaction_timestamp()", true},
		{"clock_timestamp()", false},
		{"'2020-01-01'", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := isNow(tt.expr); got != tt.want {
			t.Errorf("isNow(%q) = %v, want %v", tt.expr, got, tt.want)
		}
	}
}

func TestCode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"id", "`id`"},
		{"a`b", "``a`b``"},
		{"`x`", "`` `x` ``"},
	}
	for _, tt := range tests {
		if got := md.Code(tt.in); got != tt.want {
			t.Errorf("md.Code(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
