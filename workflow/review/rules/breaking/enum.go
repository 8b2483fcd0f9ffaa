package breaking

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
)

// requireEnumValueOrdering: ALTER TYPE ... ADD VALUE without BEFORE or AFTER.
func requireEnumValueOrdering() rule.Rule {
	return rule.Rule{
		ID:       "require-enum-value-ordering",
		Severity: workflow.SeverityWarning,
		Summary:  "ALTER TYPE ... ADD VALUE without BEFORE or AFTER",
		Why: "Enum values sort in declaration order, not alphabetically: ORDER BY, <, > and " +
			"min()/max() on the column follow it. A value added without a position goes last, which " +
			"silently changes the results of ordering queries when it was meant to sit elsewhere, and " +
			"the order cannot be changed later without recreating the type. Say where it goes.",
		Check: checkEnumValueOrdering,
		Cases: []rule.Case{
			{Name: "known enum", Baseline: "CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped');",
				SQL: "ALTER TYPE order_status ADD VALUE 'refunded';", Fires: true},
			{Name: "enum unknown to the baseline", SQL: "ALTER TYPE app.order_status ADD VALUE IF NOT EXISTS 'refunded';", Fires: true},
			{Name: "explicit position", Baseline: "CREATE TYPE order_status AS ENUM ('pending', 'paid');",
				SQL: "ALTER TYPE order_status ADD VALUE 'refunded' AFTER 'paid';"},
			{Name: "renaming a value", Baseline: "CREATE TYPE order_status AS ENUM ('pending', 'paid');",
				SQL: "ALTER TYPE order_status RENAME VALUE 'paid' TO 'settled';"},
		},
	}
}

// checkEnumValueOrdering reports an ADD VALUE that leaves the position implicit.
func checkEnumValueOrdering(c *rule.Context) []rule.Violation {
	n, ok := c.Stmt.Node.GetNode().(*pg_query.Node_AlterEnumStmt)
	if !ok {
		return nil
	}
	a := n.AlterEnumStmt
	if a.NewVal == "" || a.OldVal != "" || a.NewValNeighbor != "" {
		return nil
	}
	typ := nameList(a.TypeName)
	safe := proto.Clone(a).(*pg_query.AlterEnumStmt)
	safe.SkipIfNewValExists = true
	safe.NewValIsAfter = true
	var note string
	if e := c.Model.Enum(typ); e != nil && len(e.Values) > 0 {
		safe.NewValNeighbor = e.Values[len(e.Values)-1]
		note = rule.Comment("Say where the value sorts; AFTER the last value keeps today's order, or pick its real neighbour.")
	} else {
		safe.NewValNeighbor = "existing_value"
		note = rule.Comment(
			"Say where the value sorts: replace existing_value with its neighbour; the current order is",
			"SELECT enumlabel FROM pg_enum WHERE enumtypid = "+rule.QuoteLiteral(nameListSQL(a.TypeName))+"::regtype ORDER BY enumsortorder;",
		)
	}
	return []rule.Violation{{
		Message: "ADD VALUE '" + a.NewVal + "' to " + typ + " without BEFORE or AFTER appends it last, " +
			"which decides how ORDER BY and comparisons on the type treat it",
		SafeSQL:  note + deparse(c, &pg_query.Node{Node: &pg_query.Node_AlterEnumStmt{AlterEnumStmt: safe}}),
		Object:   typ,
		Location: literalLocation(c, a.NewVal),
	}}
}

// literalLocation returns the file offset of the statement's first string
// constant spelled 'value', or 0 (the statement).
func literalLocation(c *rule.Context, value string) int32 {
	r, err := pg_query.Scan(c.Stmt.Text)
	if err != nil {
		return 0
	}
	for _, t := range r.Tokens {
		if t.Token == pg_query.Token_SCONST && c.Stmt.Text[t.Start:t.End] == rule.QuoteLiteral(value) {
			return int32(c.Stmt.Start) + t.Start
		}
	}
	return 0
}
