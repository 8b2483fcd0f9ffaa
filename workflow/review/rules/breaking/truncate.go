package breaking

import (
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// banTruncateCascade: TRUNCATE ... CASCADE.
func banTruncateCascade() rule.Rule {
	return rule.Rule{
		ID:       "ban-truncate-cascade",
		Severity: workflow.SeverityError,
		Summary:  "TRUNCATE ... CASCADE",
		Why: "CASCADE also empties every table that references the truncated ones through a foreign " +
			"key, and the tables referencing those, recursively: one statement can wipe most of a " +
			"database (Linear's 2024-01-24 incident). Name every table to empty explicitly and leave " +
			"CASCADE out, so PostgreSQL refuses when a referencing table was forgotten.",
		Check: checkTruncateCascade,
		Cases: []rule.Case{
			{Name: "cascade reaches other tables",
				Baseline: "CREATE TABLE orders (id bigint PRIMARY KEY);\n" +
					"CREATE TABLE order_items (id bigint PRIMARY KEY, order_id bigint REFERENCES orders);\n" +
					"CREATE TABLE item_notes (item_id bigint REFERENCES order_items);",
				SQL: "TRUNCATE orders RESTART IDENTITY CASCADE;", Fires: true},
			{Name: "tables unknown to the baseline", SQL: "TRUNCATE app.sessions CASCADE;", Fires: true},
			{Name: "explicit list", Baseline: "CREATE TABLE orders (id bigint PRIMARY KEY);\nCREATE TABLE order_items (order_id bigint REFERENCES orders);",
				SQL: "TRUNCATE orders, order_items;"},
		},
	}
}

// checkTruncateCascade reports a TRUNCATE with CASCADE, naming the tables the
// model knows it would also empty.
func checkTruncateCascade(c *rule.Context) []rule.Violation {
	n, ok := c.Stmt.Node.GetNode().(*pg_query.Node_TruncateStmt)
	if !ok || n.TruncateStmt.Behavior != pg_query.DropBehavior_DROP_CASCADE {
		return nil
	}
	tr := n.TruncateStmt
	var named []string
	for _, r := range tr.Relations {
		named = append(named, rule.RangeVarName(r.GetRangeVar()))
	}
	extra := cascadeTargets(c.Model, named)
	msg := "TRUNCATE " + strings.Join(named, ", ") + " CASCADE also empties every table that references them through a foreign key"
	if len(extra) > 0 {
		msg = "TRUNCATE " + strings.Join(named, ", ") + " CASCADE also empties " + strings.Join(extra, ", ")
	}
	safe := proto.Clone(tr).(*pg_query.TruncateStmt)
	safe.Behavior = pg_query.DropBehavior_DROP_RESTRICT
	for _, t := range extra {
		q := schema.ParseQualifiedName(t)
		safe.Relations = append(safe.Relations, &pg_query.Node{Node: &pg_query.Node_RangeVar{
			RangeVar: rangeVar(q.Schema, q.Name)}})
	}
	sql := rule.Comment("Name every table to empty; without CASCADE PostgreSQL refuses if a referencing table is missing.") +
		deparse(c, &pg_query.Node{Node: &pg_query.Node_TruncateStmt{TruncateStmt: safe}})
	return []rule.Violation{{
		Message:  msg,
		SafeSQL:  sql,
		Object:   strings.Join(named, ", "),
		Location: tr.Relations[0].GetRangeVar().GetLocation(),
	}}
}

// cascadeTargets returns the tables, beyond named, that TRUNCATE CASCADE
// would empty: those referencing a truncated table, transitively.
func cascadeTargets(m *schema.Model, named []string) []string {
	var queue []*schema.Table
	seen := map[*schema.Table]bool{}
	for _, n := range named {
		if t := m.Table(n); t != nil && !seen[t] {
			seen[t] = true
			queue = append(queue, t)
		}
	}
	var out []string
	for len(queue) > 0 {
		t := queue[0]
		queue = queue[1:]
		for _, ref := range m.ReferencesTo(t) {
			if seen[ref.Table] {
				continue
			}
			seen[ref.Table] = true
			queue = append(queue, ref.Table)
			if name := ref.Table.String(); !slices.Contains(named, name) {
				out = append(out, name)
			}
		}
	}
	return out
}
