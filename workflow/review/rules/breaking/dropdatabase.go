package breaking

import (
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
)

// banDropDatabase: DROP DATABASE and DROP SCHEMA in a migration.
func banDropDatabase() rule.Rule {
	return rule.Rule{
		ID:       "ban-drop-database",
		Severity: workflow.SeverityError,
		Summary:  "DROP DATABASE or DROP SCHEMA in a migration",
		Why: "Dropping a database or a schema deletes every table, row, function and grant in it at " +
			"once, with no way back but a restore. It does not belong in an automated migration: " +
			"decommission by hand after checking nothing uses it and taking a final dump. DROP SCHEMA " +
			"... CASCADE is worse still, as it silently takes every dependent object with it.",
		Check: checkDropDatabase,
		Cases: []rule.Case{
			{Name: "drop database", SQL: "DROP DATABASE IF EXISTS legacy;", Fires: true},
			{Name: "drop schema", SQL: "DROP SCHEMA reporting CASCADE;", Fires: true},
			{Name: "schema created in the same change", SQL: "CREATE SCHEMA scratch;\nDROP SCHEMA scratch;"},
			{Name: "create schema", SQL: "CREATE SCHEMA IF NOT EXISTS reporting;"},
		},
	}
}

// checkDropDatabase reports DROP DATABASE, and every schema of a DROP SCHEMA
// the change did not create itself.
func checkDropDatabase(c *rule.Context) []rule.Violation {
	switch n := c.Stmt.Node.GetNode().(type) {
	case *pg_query.Node_DropdbStmt:
		db := n.DropdbStmt.Dbname
		return []rule.Violation{{
			Message: "DROP DATABASE " + db + " deletes the whole database; decommission it by hand, never from a migration",
			SafeSQL: dropDatabaseSafeSQL(db),
			Object:  db,
		}}
	case *pg_query.Node_DropStmt:
		d := n.DropStmt
		if d.RemoveType != pg_query.ObjectType_OBJECT_SCHEMA {
			return nil
		}
		var out []rule.Violation
		for _, obj := range d.Objects {
			s := obj.GetString_().GetSval()
			if s == "" || schemaCreatedHere(c, s) {
				continue
			}
			msg := "DROP SCHEMA " + s + " deletes every table, row and function in it"
			if d.Behavior == pg_query.DropBehavior_DROP_CASCADE {
				msg += ", and CASCADE also drops whatever depends on them elsewhere"
			}
			out = append(out, rule.Violation{
				Message:  msg,
				SafeSQL:  dropSchemaSafeSQL(s),
				Object:   s,
				Location: c.NameLocation(s, int32(c.Stmt.Start)),
			})
		}
		return out
	}
	return nil
}

// schemaCreatedHere reports whether an earlier statement of the file created
// the schema, so it holds nothing but what the change put there.
func schemaCreatedHere(c *rule.Context, name string) bool {
	for _, st := range c.Statements[:c.Index] {
		if cs := st.Node.GetCreateSchemaStmt(); cs != nil && cs.Schemaname == name {
			return true
		}
	}
	return false
}

// dropDatabaseSafeSQL blocks new connections and lists the remaining ones;
// the DROP itself is left to a person, after a final dump.
func dropDatabaseSafeSQL(db string) string {
	var b strings.Builder
	b.WriteString(rule.Comment("Decommission the database by hand, outside the migrations: block new connections (reversible),"))
	b.WriteString(rule.Comment("check nothing is still connected, take a final pg_dump, and only then drop it."))
	fmt.Fprintf(&b, "ALTER DATABASE %s WITH ALLOW_CONNECTIONS false;\n", rule.QuoteIdent(db))
	fmt.Fprintf(&b, "SELECT pid, usename, application_name, backend_start FROM pg_stat_activity WHERE datname = %s;\n", rule.QuoteLiteral(db))
	b.WriteString(rule.Comment("By hand, once the dump is verified: DROP DATABASE " + rule.QuoteIdent(db) + ";"))
	return b.String()
}

// dropSchemaSafeSQL checks the schema's tables are idle; the DROP is left for
// the contract phase, without CASCADE.
func dropSchemaSafeSQL(s string) string {
	var b strings.Builder
	b.WriteString(rule.Comment(
		"Retire the schema in steps: keep a dump (pg_dump --schema="+rule.QuoteIdent(s)+"), check its tables are idle",
		"(run this twice, a day apart), and drop it later without CASCADE so that anything still depending on it stops the drop:",
	))
	fmt.Fprintf(&b, "SELECT relname, seq_scan, idx_scan, n_tup_ins + n_tup_upd + n_tup_del AS writes FROM pg_stat_user_tables WHERE schemaname = %s;\n",
		rule.QuoteLiteral(s))
	b.WriteString(rule.Comment("Contract phase: DROP SCHEMA IF EXISTS " + rule.QuoteIdent(s) + " RESTRICT;"))
	return b.String()
}
