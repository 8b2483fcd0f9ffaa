package breaking

import (
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// renamingTable: ALTER TABLE ... RENAME TO on an existing table, unless a view
// with the old name follows in the same file.
func renamingTable() rule.Rule {
	return rule.Rule{
		ID:       "renaming-table",
		Severity: workflow.SeverityWarning,
		Summary:  "ALTER TABLE ... RENAME TO without a view under the old name",
		Why: "Every running app instance still queries the old name; after the rename their queries " +
			"fail until the new code is deployed everywhere, and a rollback of the code breaks again. " +
			"Rename and create a view with the old name in the same transaction: a simple view over one " +
			"table is updatable, so old code keeps reading and writing through it. Drop the view in a " +
			"later contract migration once no deployed code uses the old name.",
		Check: checkRenamingTable,
		Cases: []rule.Case{
			{Name: "existing table", Baseline: "CREATE TABLE orders (id bigint);",
				SQL: "ALTER TABLE orders RENAME TO purchases;", Fires: true},
			{Name: "schema-qualified, runner transaction", Runner: "flyway",
				SQL: "ALTER TABLE app.orders RENAME TO purchases;", Fires: true},
			{Name: "view with the old name follows", Baseline: "CREATE TABLE orders (id bigint);",
				SQL: "ALTER TABLE orders RENAME TO purchases;\nCREATE VIEW orders AS SELECT * FROM purchases;"},
			{Name: "table created in the same change",
				SQL: "CREATE TABLE orders_new (id bigint);\nALTER TABLE orders_new RENAME TO orders;"},
		},
	}
}

// checkRenamingTable reports a table rename with no compatibility view.
func checkRenamingTable(c *rule.Context) []rule.Violation {
	n, ok := c.Stmt.Node.GetNode().(*pg_query.Node_RenameStmt)
	if !ok || n.RenameStmt.RenameType != pg_query.ObjectType_OBJECT_TABLE {
		return nil
	}
	r := n.RenameStmt
	old := rule.RangeVarName(r.Relation)
	if !c.Existing(old) || viewFollows(c, r.Relation) {
		return nil
	}
	return []rule.Violation{{
		Message:  fmt.Sprintf("renaming %s to %s breaks every running app instance that still uses the old name", old, r.Newname),
		SafeSQL:  renameTableSafeSQL(c, r),
		Object:   old,
		Location: r.Relation.GetLocation(),
	}}
}

// viewFollows reports whether a later statement of the file creates a view
// with the relation's old name.
func viewFollows(c *rule.Context, rv *pg_query.RangeVar) bool {
	old := schema.QualifiedName{Schema: rv.Schemaname, Name: rv.Relname}
	for _, st := range c.Statements[c.Index+1:] {
		if v := st.Node.GetViewStmt(); v != nil {
			if (schema.QualifiedName{Schema: v.View.GetSchemaname(), Name: v.View.GetRelname()}).Is(old) {
				return true
			}
		}
	}
	return false
}

// renameTableSafeSQL renames and puts an updatable view under the old name in
// one transaction (the runner's, when it wraps the file).
func renameTableSafeSQL(c *rule.Context, r *pg_query.RenameStmt) string {
	oldSQL := rule.RelSQL(r.Relation)
	newSQL := qualifiedSQL(r.Relation.Schemaname, r.Newname)
	var b strings.Builder
	b.WriteString(rule.Comment("Rename and keep the old name working in one transaction: a simple view over one table is updatable."))
	if !c.Tx.InTransaction {
		b.WriteString("BEGIN;\n")
	}
	fmt.Fprintf(&b, "ALTER TABLE %s RENAME TO %s;\n", oldSQL, rule.QuoteIdent(r.Newname))
	fmt.Fprintf(&b, "CREATE VIEW %s AS SELECT * FROM %s;\n", oldSQL, newSQL)
	if !c.Tx.InTransaction {
		b.WriteString("COMMIT;\n")
	}
	b.WriteString(rule.Comment("Contract phase, once no deployed code uses the old name: DROP VIEW IF EXISTS " + oldSQL + ";"))
	return b.String()
}
