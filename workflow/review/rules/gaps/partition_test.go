package gaps

import (
	"strings"
	"testing"

	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// check runs one rule over sql after replaying baseline, the way the review
// engine does: each statement sees the model of everything before it.
func check(t *testing.T, r rule.Rule, baseline, sql string) []rule.Violation {
	t.Helper()
	m := &schema.Model{}
	base, err := schema.Split("baseline.sql", baseline)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range base {
		if err := m.Apply(st); err != nil {
			t.Fatal(err)
		}
	}
	stmts, err := schema.Split("change.sql", sql)
	if err != nil {
		t.Fatal(err)
	}
	created := map[string]bool{}
	byTable := rule.NewStatementIndex(stmts)
	var out []rule.Violation
	for i, st := range stmts {
		c := &rule.Context{Stmt: st, Statements: stmts, Index: i, ByTable: byTable, Model: m, PG: 17, Created: created}
		out = append(out, r.Check(c)...)
		if cs := st.Node.GetCreateStmt(); cs != nil {
			created[rule.TableKey(rule.RelName(cs.Relation).String())] = true
		}
		_ = m.ApplyPartial(st)
	}
	return out
}

func TestPartitionKnowledgeFromTheModel(t *testing.T) {
	tests := []struct {
		name     string
		rule     rule.Rule
		baseline string
		sql      string
		want     []string // substrings of the only violation's safe SQL
		not      []string
	}{
		{
			name:     "attach: range keys from the baseline",
			rule:     attachPartitionWithoutCheck(),
			baseline: "CREATE TABLE metrics (at date NOT NULL, host text NOT NULL) PARTITION BY RANGE (at, host);\nCREATE TABLE metrics_2024 (at date NOT NULL, host text NOT NULL);",
			sql:      "ALTER TABLE metrics ATTACH PARTITION metrics_2024 FOR VALUES FROM ('2024-01-01', 'a') TO ('2025-01-01', 'a');",
			want:     []string{"CHECK (at IS NOT NULL AND host IS NOT NULL AND (at, host) >= ('2024-01-01', 'a') AND (at, host) < ('2025-01-01', 'a')) NOT VALID"},
			not:      []string{"partition_key"},
		},
		{
			name:     "attach: hash key from the baseline",
			rule:     attachPartitionWithoutCheck(),
			baseline: "CREATE TABLE accounts (id bigint) PARTITION BY HASH (id);\nCREATE TABLE accounts_1 (id bigint);",
			sql:      "ALTER TABLE accounts ATTACH PARTITION accounts_1 FOR VALUES WITH (MODULUS 4, REMAINDER 1);",
			want:     []string{"satisfies_hash_partition('accounts'::regclass, 4, 1, id)"},
			not:      []string{"partition_key"},
		},
		{
			name:     "attach: an expression key stays a placeholder",
			rule:     attachPartitionWithoutCheck(),
			baseline: "CREATE TABLE orders (id bigint, region text) PARTITION BY LIST (lower(region));\nCREATE TABLE orders_eu (id bigint, region text);",
			sql:      "ALTER TABLE orders ATTACH PARTITION orders_eu FOR VALUES IN ('eu');",
			want:     []string{"partition_key IS NOT NULL AND partition_key IN ('eu')"},
		},
		{
			name:     "index: every partition of the baseline, sub-partitions ON ONLY",
			rule:     indexOnPartitionedTable(),
			baseline: subPartitionedEvents,
			sql:      "CREATE INDEX events_kind_idx ON events (kind);",
			want: []string{
				"CREATE INDEX IF NOT EXISTS events_kind_idx ON ONLY events USING btree (kind);",
				"CREATE INDEX CONCURRENTLY IF NOT EXISTS events_2025_kind_idx ON events_2025 USING btree (kind);\n" +
					"ALTER INDEX events_kind_idx ATTACH PARTITION events_2025_kind_idx;",
				"CREATE INDEX IF NOT EXISTS events_2026_kind_idx ON ONLY events_2026 USING btree (kind);\n" +
					"CREATE INDEX CONCURRENTLY IF NOT EXISTS events_2026_click_kind_idx ON events_2026_click USING btree (kind);\n" +
					"ALTER INDEX events_2026_kind_idx ATTACH PARTITION events_2026_click_kind_idx;\n" +
					"CREATE INDEX CONCURRENTLY IF NOT EXISTS events_2026_other_kind_idx ON events_2026_other USING btree (kind);\n" +
					"ALTER INDEX events_2026_kind_idx ATTACH PARTITION events_2026_other_kind_idx;\n" +
					"ALTER INDEX events_kind_idx ATTACH PARTITION events_2026_kind_idx;",
			},
			not: []string{"<partition>"},
		},
		{
			name:     "index: a partition detached earlier in the file is left out",
			rule:     indexOnPartitionedTable(),
			baseline: subPartitionedEvents,
			sql:      "ALTER TABLE events DETACH PARTITION events_2025 CONCURRENTLY;\nCREATE INDEX events_kind_idx ON events (kind);",
			want:     []string{"ATTACH PARTITION events_2026_kind_idx;"},
			not:      []string{"events_2025"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs := check(t, tt.rule, tt.baseline, tt.sql)
			if len(vs) != 1 {
				t.Fatalf("%d violations, want 1: %+v", len(vs), vs)
			}
			for _, w := range tt.want {
				if !strings.Contains(vs[0].SafeSQL, w) {
					t.Errorf("safe SQL lacks %q:\n%s", w, vs[0].SafeSQL)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(vs[0].SafeSQL, n) {
					t.Errorf("safe SQL has %q:\n%s", n, vs[0].SafeSQL)
				}
			}
		})
	}
}

func TestPartitioningOfFallsBackToTheFile(t *testing.T) {
	// The baseline has events as a plain table: only the file shows it
	// partitioned, and what it shows is used.
	stmts, err := schema.Split("change.sql", "CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');\nSELECT 1;")
	if err != nil {
		t.Fatal(err)
	}
	m := &schema.Model{}
	base, _ := schema.Split("baseline.sql", "CREATE TABLE events (id bigint, at date NOT NULL);")
	_ = m.Apply(base[0])
	c := &rule.Context{Stmt: stmts[1], Statements: stmts, Index: 1, ByTable: rule.NewStatementIndex(stmts), Model: m}
	p := partitioningOf(c, schema.QualifiedName{Name: "events"})
	if !p.known || len(p.partitions) != 1 || p.partitions[0].Name != "events_2025" || p.keys != nil {
		t.Errorf("partitioningOf from the file = %+v", p)
	}
}
