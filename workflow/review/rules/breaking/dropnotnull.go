package breaking

import (
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// banDropNotNull: ALTER COLUMN ... DROP NOT NULL on an existing table.
func banDropNotNull() rule.Rule {
	return rule.Rule{
		ID:       "ban-drop-not-null",
		Severity: workflow.SeverityWarning,
		Summary:  "ALTER COLUMN ... DROP NOT NULL on an existing table",
		Why: "Code that reads the column (app models, reports, PL/pgSQL, views, consumers of a " +
			"replication stream) was written assuming it is never NULL; once the constraint is gone the " +
			"first NULL breaks them, often far from the migration. Deploy readers that handle NULL " +
			"first and drop the constraint in a later release; if writers only need to leave the column " +
			"out, a default keeps the guarantee.",
		Check: checkDropNotNull,
		Cases: []rule.Case{
			{Name: "existing table", Baseline: "CREATE TABLE orders (id bigint, status text NOT NULL);",
				SQL: "ALTER TABLE orders ALTER COLUMN status DROP NOT NULL;", Fires: true},
			{Name: "column type unknown", SQL: "ALTER TABLE orders ALTER COLUMN shipped_at DROP NOT NULL;", Fires: true},
			{Name: "table created in the same change",
				SQL: "CREATE TABLE orders (id bigint, status text NOT NULL);\nALTER TABLE orders ALTER COLUMN status DROP NOT NULL;"},
			{Name: "set not null", Baseline: "CREATE TABLE orders (id bigint, status text);",
				SQL: "ALTER TABLE orders ALTER COLUMN status SET NOT NULL;"},
		},
	}
}

// checkDropNotNull reports each DROP NOT NULL of an ALTER TABLE on an existing table.
func checkDropNotNull(c *rule.Context) []rule.Violation {
	return eachColumnCmd(c, pg_query.AlterTableType_AT_DropNotNull, func(table string, at *pg_query.AlterTableStmt, cmd *pg_query.AlterTableCmd) rule.Violation {
		return rule.Violation{
			Message: fmt.Sprintf("DROP NOT NULL on %s.%s lets NULLs into a column every current reader assumes is set",
				table, cmd.Name),
			SafeSQL:  dropNotNullSafeSQL(c, at.Relation, cmd.Name),
			Object:   table + "." + cmd.Name,
			Location: c.NameLocation(cmd.Name, at.Relation.GetLocation()+1),
		}
	})
}

// dropNotNullSafeSQL keeps the constraint; where the model knows the column's
// type it gives the column a default so writers may leave it out.
func dropNotNullSafeSQL(c *rule.Context, rv *pg_query.RangeVar, column string) string {
	table, col := rule.RelSQL(rv), rule.QuoteIdent(column)
	var b strings.Builder
	b.WriteString(rule.Comment("Keep the column NOT NULL until every reader (app, reports, PL/pgSQL, views) handles NULL."))
	var cd *schema.Column
	if t := c.Table(rule.RangeVarName(rv)); t != nil {
		cd = t.Column(column)
	}
	if v := sentinel(cd); v != "" {
		b.WriteString(rule.Comment("If writers only need to leave the column out, a default keeps it NOT NULL:"))
		fmt.Fprintf(&b, "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s;\n", table, col, v)
	} else {
		fmt.Fprintf(&b, "COMMENT ON COLUMN %s.%s IS %s;\n", table, col,
			rule.QuoteLiteral("becomes nullable in a later release: readers must handle NULL"))
	}
	b.WriteString(rule.Comment(
		"A later release, once every deployed reader handles NULL:",
		fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL;", table, col),
	))
	return b.String()
}

// sentinel returns a neutral default for a column's type ("", 0, false,
// now()), or "" when the column already has one or its type is unknown.
func sentinel(cd *schema.Column) string {
	if cd == nil || cd.Default != "" || cd.Identity != "" || cd.Generated != "" || strings.HasSuffix(cd.Type, "]") {
		return ""
	}
	base, _, _ := strings.Cut(cd.Type, "(")
	switch base {
	case "text", "varchar", "character varying", "citext":
		return "''"
	case "smallint", "integer", "bigint", "numeric", "decimal", "real", "double precision":
		return "0"
	case "boolean":
		return "false"
	case "timestamptz", "timestamp", "date":
		return "now()"
	case "jsonb", "json":
		return "'{}'"
	}
	return ""
}
