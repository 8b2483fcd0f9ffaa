package gaps

import (
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// multipleAlterTable: several ALTER TABLE statements on one table each queue
// for its lock (and may each scan or rewrite it) where one would do.
func multipleAlterTable() rule.Rule {
	return rule.Rule{
		ID:       "multiple-alter-table",
		Severity: workflow.SeverityWarning,
		Summary:  "several ALTER TABLE statements on the same table",
		Why: "Every ALTER TABLE waits in the lock queue for its table, and while it waits all later readers " +
			"and writers wait behind it; subcommands that scan or rewrite do so once per statement. One " +
			"ALTER TABLE with all the subcommands takes the lock once and makes one pass. Steps that must stay " +
			"apart (VALIDATE CONSTRAINT, SET NOT NULL after a validated CHECK, ATTACH/DETACH PARTITION) are " +
			"not counted.",
		Check: func(c *rule.Context) []rule.Violation {
			at, ok := c.AlterTable()
			if !ok || at.Objtype != pg_query.ObjectType_OBJECT_TABLE || staged(at) {
				return nil
			}
			table := rule.RelName(at.Relation)
			if c.CreatedHere(table.String()) {
				return nil
			}
			prev := previousAlters(c, table)
			if len(prev) == 0 || alterFollows(c, table) {
				return nil // the last ALTER TABLE of a group reports it
			}
			lines := make([]string, len(prev))
			for i, st := range prev {
				lines[i] = strconv.Itoa(st.Pos.Line)
			}
			merged := proto.Clone(prev[0].Node.GetAlterTableStmt()).(*pg_query.AlterTableStmt)
			for _, st := range prev[1:] {
				merged.Cmds = append(merged.Cmds, proto.Clone(st.Node).(*pg_query.Node).GetAlterTableStmt().Cmds...)
			}
			merged.Cmds = append(merged.Cmds, proto.Clone(at).(*pg_query.AlterTableStmt).Cmds...)
			return []rule.Violation{{
				Message: strconv.Itoa(len(prev)+1) + " ALTER TABLE statements on " + table.String() + " (lines " + strings.Join(lines, ", ") +
					" and this one): each queues for the table's lock, and scans or rewrites it, separately; combine their subcommands into one ALTER TABLE",
				SafeSQL:  c.Deparse(&pg_query.Node{Node: &pg_query.Node_AlterTableStmt{AlterTableStmt: merged}}),
				Object:   table.String(),
				Location: at.Relation.GetLocation(),
			}}
		},
		Cases: []rule.Case{
			{Name: "two ALTER TABLE on an existing table",
				Baseline: "CREATE TABLE orders (id bigint PRIMARY KEY);",
				SQL:      "ALTER TABLE orders ADD COLUMN channel text;\nALTER TABLE orders ADD COLUMN note text;", Fires: true},
			{Name: "schema-qualified and not",
				Baseline: "CREATE TABLE orders (id bigint PRIMARY KEY);",
				SQL:      "ALTER TABLE orders ADD COLUMN channel text;\nALTER TABLE public.orders ALTER COLUMN channel SET DEFAULT 'web';", Fires: true},
			{Name: "three ALTER TABLE, reported once at the last",
				Baseline: "CREATE TABLE orders (id bigint PRIMARY KEY);",
				SQL:      "ALTER TABLE orders ADD COLUMN channel text;\nALTER TABLE orders ADD COLUMN note text;\nALTER TABLE orders ADD COLUMN source text;", Fires: true},
			{Name: "one ALTER TABLE", Baseline: "CREATE TABLE orders (id bigint PRIMARY KEY);",
				SQL: "ALTER TABLE orders ADD COLUMN channel text, ADD COLUMN note text;"},
			{Name: "NOT VALID then VALIDATE",
				Baseline: "CREATE TABLE orders (id bigint PRIMARY KEY, total bigint);",
				SQL:      "ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_total_check;"},
			{Name: "online NOT NULL",
				Baseline: "CREATE TABLE orders (id bigint PRIMARY KEY, total bigint);",
				SQL: "ALTER TABLE orders ADD CONSTRAINT orders_total_nn CHECK (total IS NOT NULL) NOT VALID;\n" +
					"ALTER TABLE orders VALIDATE CONSTRAINT orders_total_nn;\nALTER TABLE orders ALTER COLUMN total SET NOT NULL;\n" +
					"ALTER TABLE orders DROP CONSTRAINT orders_total_nn;"},
			{Name: "table created in the same change",
				SQL: "CREATE TABLE orders (id bigint PRIMARY KEY);\nALTER TABLE orders ADD COLUMN channel text;\nALTER TABLE orders ADD COLUMN note text;"},
		},
	}
}

// staged reports whether an ALTER TABLE holds a subcommand that belongs in
// its own statement: it neither counts nor fires, and it separates the
// statements before it from those after it.
func staged(at *pg_query.AlterTableStmt) bool {
	for _, n := range at.Cmds {
		switch n.GetAlterTableCmd().GetSubtype() {
		case pg_query.AlterTableType_AT_ValidateConstraint, pg_query.AlterTableType_AT_SetNotNull,
			pg_query.AlterTableType_AT_AttachPartition, pg_query.AlterTableType_AT_DetachPartition,
			pg_query.AlterTableType_AT_DetachPartitionFinalize:
			return true
		}
	}
	return false
}

// alterFollows reports whether a later ALTER TABLE on the table joins the
// same group (no staged step on it comes first).
func alterFollows(c *rule.Context, table schema.QualifiedName) bool {
	for _, st := range c.LaterOn(table.String()) {
		if !rule.Targets(st, table) {
			continue
		}
		at := st.Node.GetAlterTableStmt()
		if at == nil || at.Objtype != pg_query.ObjectType_OBJECT_TABLE || !rule.SameRelation(at.Relation, table) {
			continue
		}
		return !staged(at)
	}
	return false
}

// previousAlters returns the earlier ALTER TABLE statements on the table
// since the last staged step on it.
func previousAlters(c *rule.Context, table schema.QualifiedName) []schema.Statement {
	var out []schema.Statement
	for _, st := range c.EarlierOn(table.String()) {
		if !rule.Targets(st, table) {
			continue
		}
		at := st.Node.GetAlterTableStmt()
		if at == nil || at.Objtype != pg_query.ObjectType_OBJECT_TABLE || !rule.SameRelation(at.Relation, table) {
			continue
		}
		if staged(at) {
			out = nil
			continue
		}
		out = append(out, st)
	}
	return out
}
