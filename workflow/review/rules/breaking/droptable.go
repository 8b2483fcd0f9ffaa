package breaking

import (
	"fmt"
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// banDropTable: DROP TABLE on a table that holds data.
func banDropTable() rule.Rule {
	return rule.Rule{
		ID:       "ban-drop-table",
		Severity: workflow.SeverityError,
		Summary:  "DROP TABLE on an existing table",
		Why: "Dropping a table deletes its rows for good and breaks every running app instance, job or " +
			"report that still uses it; it also waits for an ACCESS EXCLUSIVE lock behind any open " +
			"transaction on it. Retire a table in steps: stop every read and write and deploy, keep a " +
			"backup, confirm the table is idle, and only then drop it in a later contract migration. " +
			"The safe SQL is the idle check; the DROP stays in a comment for the contract phase.",
		Check: checkDropTable,
		Cases: []rule.Case{
			{Name: "existing table",
				Baseline: "CREATE TABLE orders (id bigint PRIMARY KEY);\nCREATE TABLE order_items (order_id bigint REFERENCES orders);",
				SQL:      "DROP TABLE orders CASCADE;", Fires: true},
			{Name: "table unknown to the baseline", SQL: "DROP TABLE IF EXISTS app.legacy_orders;", Fires: true},
			{Name: "table created in the same change", SQL: "CREATE TABLE scratch (id bigint);\nDROP TABLE scratch;"},
			{Name: "dropping a view", SQL: "DROP VIEW order_totals;"},
		},
	}
}

// checkDropTable reports every existing table a DROP TABLE names.
func checkDropTable(c *rule.Context) []rule.Violation {
	d, ok := c.Stmt.Node.GetNode().(*pg_query.Node_DropStmt)
	if !ok || d.DropStmt.RemoveType != pg_query.ObjectType_OBJECT_TABLE {
		return nil
	}
	var out []rule.Violation
	from := int32(c.Stmt.Start)
	for _, obj := range d.DropStmt.Objects {
		names := obj.GetList().GetItems()
		table := nameList(names)
		if table == "" || !c.Existing(table) {
			continue
		}
		msg := "DROP TABLE " + table + " deletes all of its rows and breaks every app instance, job or report still using it"
		if refs := referencingTables(c, table); len(refs) > 0 {
			msg += "; foreign keys from " + strings.Join(refs, ", ") + " reference it"
		}
		loc := c.NameLocation(names[len(names)-1].GetString_().GetSval(), from)
		out = append(out, rule.Violation{
			Message:  msg,
			SafeSQL:  dropTableSafeSQL(c, table, names),
			Object:   table,
			Location: loc,
		})
		if loc > 0 {
			from = loc + 1
		}
	}
	return out
}

// referencingTables names the other tables whose foreign keys reference table,
// as far as the model knows.
func referencingTables(c *rule.Context, table string) []string {
	t := c.Table(table)
	if t == nil {
		return nil
	}
	var out []string
	for _, ref := range c.Model.ReferencesTo(t) {
		name := ref.Table.String()
		if ref.Table != t && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

// dropTableSafeSQL checks the table is idle and leaves the DROP for the
// contract phase.
func dropTableSafeSQL(c *rule.Context, table string, names []*pg_query.Node) string {
	q := schema.ParseQualifiedName(table)
	sqlName := nameListSQL(names)
	var b strings.Builder
	b.WriteString(rule.Comment(
		"Retire "+table+" in steps: stop every read and write in the app and deploy, keep a backup",
		"(pg_dump --table="+sqlName+"), then check the table is idle; run this twice, a day apart:",
	))
	fmt.Fprintf(&b, "SELECT seq_scan, idx_scan, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables WHERE relid = %s::regclass;\n",
		rule.QuoteLiteral(qualifiedSQL(q.Schema, q.Name)))
	if refs := referencingTables(c, table); len(refs) > 0 {
		b.WriteString(rule.Comment("Drop or repoint the foreign keys from " + strings.Join(refs, ", ") + " first, so no CASCADE is needed."))
	}
	b.WriteString(rule.Comment(
		"Contract phase, a later migration once the counters stopped moving:",
		"DROP TABLE IF EXISTS "+sqlName+";",
	))
	return b.String()
}
