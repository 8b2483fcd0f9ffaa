package breaking

import (
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
)

// banDropColumn: DROP COLUMN on a table that holds data deletes the values
// and breaks the app code still using the column.
func banDropColumn() rule.Rule {
	return rule.Rule{
		ID:       "ban-drop-column",
		Severity: workflow.SeverityError,
		Summary:  "DROP COLUMN on an existing table",
		Why: "Dropping a column deletes its values for good, and every running app instance that still " +
			"selects, inserts or updates it fails the moment the statement commits (ORMs that list every " +
			"column fail on any query of the table). Remove a column in two releases: first deploy code " +
			"that no longer uses it (ignore it in the ORM), then drop it in a later contract migration. " +
			"The safe SQL is that first step; the DROP stays in a comment for the contract phase.",
		Check: checkDropColumn,
		Cases: []rule.Case{
			{Name: "existing table", Baseline: "CREATE TABLE orders (id bigint PRIMARY KEY, note text NOT NULL);",
				SQL: "ALTER TABLE orders DROP COLUMN note;", Fires: true},
			{Name: "table unknown to the baseline", SQL: "ALTER TABLE app.orders DROP COLUMN IF EXISTS legacy_flag, DROP COLUMN note;", Fires: true},
			{Name: "table created in the same change",
				SQL: "CREATE TABLE orders (id bigint, note text);\nALTER TABLE orders DROP COLUMN note;"},
			{Name: "adding a column", Baseline: "CREATE TABLE orders (id bigint);",
				SQL: "ALTER TABLE orders ADD COLUMN note text;"},
		},
	}
}

// checkDropColumn reports each DROP COLUMN of an ALTER TABLE on an existing table.
func checkDropColumn(c *rule.Context) []rule.Violation {
	return eachColumnCmd(c, pg_query.AlterTableType_AT_DropColumn, func(table string, at *pg_query.AlterTableStmt, cmd *pg_query.AlterTableCmd) rule.Violation {
		return rule.Violation{
			Message: fmt.Sprintf("DROP COLUMN %s.%s deletes the column's data and breaks every running app instance that still reads or writes it",
				table, cmd.Name),
			SafeSQL:  dropColumnSafeSQL(c, at.Relation, cmd.Name),
			Object:   table + "." + cmd.Name,
			Location: c.NameLocation(cmd.Name, at.Relation.GetLocation()+1),
		}
	})
}

// dropColumnSafeSQL is the expand step of a column removal: let new code stop
// writing the column, mark it deprecated, and keep the DROP for later.
func dropColumnSafeSQL(c *rule.Context, rv *pg_query.RangeVar, column string) string {
	table, col := rule.RelSQL(rv), rule.QuoteIdent(column)
	var b strings.Builder
	b.WriteString(rule.Comment(
		"Release 1: deploy app code that no longer reads or writes "+rule.RangeVarName(rv)+"."+column,
		"(add it to the ORM's ignored columns) before any schema change.",
	))
	if t := c.Table(rule.RangeVarName(rv)); t != nil {
		if cd := t.Column(column); cd != nil && cd.NotNull && cd.Default == "" && cd.Identity == "" && cd.Generated == "" {
			b.WriteString(rule.Comment("The column is NOT NULL without a default: let inserts from the new code leave it out."))
			fmt.Fprintf(&b, "ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL;\n", table, col)
		}
	}
	fmt.Fprintf(&b, "COMMENT ON COLUMN %s.%s IS %s;\n", table, col,
		rule.QuoteLiteral("deprecated: no longer used by the application, dropped in a later contract migration"))
	b.WriteString(rule.Comment(
		"Release 2, a later contract migration once no deployed code uses the column:",
		fmt.Sprintf("ALTER TABLE %s DROP COLUMN IF EXISTS %s;", table, col),
	))
	return b.String()
}

// eachColumnCmd reports, through report, each subcommand of one kind in an
// ALTER TABLE on a table that exists with data (not created by the change).
func eachColumnCmd(c *rule.Context, kind pg_query.AlterTableType,
	report func(table string, at *pg_query.AlterTableStmt, cmd *pg_query.AlterTableCmd) rule.Violation) []rule.Violation {
	at, ok := c.AlterTable()
	if !ok || at.Objtype != pg_query.ObjectType_OBJECT_TABLE {
		return nil
	}
	table := rule.RangeVarName(at.Relation)
	if !c.Existing(table) {
		return nil
	}
	var out []rule.Violation
	for _, cmd := range c.AlterCmds() {
		if cmd.Subtype == kind {
			out = append(out, report(table, at, cmd))
		}
	}
	return out
}
