package gaps

import (
	"strconv"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
)

// tableCmds returns the subcommands of an ALTER TABLE on a table that
// already holds data, with the table's name; nil for anything else.
func tableCmds(c *rule.Context) (*pg_query.AlterTableStmt, []*pg_query.AlterTableCmd) {
	at, ok := c.AlterTable()
	if !ok || at.Objtype != pg_query.ObjectType_OBJECT_TABLE || !c.Existing(rule.RangeVarName(at.Relation)) {
		return nil, nil
	}
	return at, c.AlterCmds()
}

// setLoggedUnlogged: SET LOGGED / SET UNLOGGED rewrite the table.
func setLoggedUnlogged() rule.Rule {
	return rule.Rule{
		ID:       "set-logged-unlogged",
		Severity: workflow.SeverityWarning,
		Summary:  "ALTER TABLE ... SET LOGGED / SET UNLOGGED on an existing table",
		Why: "SET LOGGED and SET UNLOGGED rewrite the whole table (SET LOGGED also writes all of it to the WAL) " +
			"while holding ACCESS EXCLUSIVE: reads and writes wait until the copy is done. An unlogged table " +
			"is also emptied after a crash and not replicated.",
		Check: func(c *rule.Context) []rule.Violation {
			at, cmds := tableCmds(c)
			var out []rule.Violation
			for _, cmd := range cmds {
				var what string
				switch cmd.Subtype {
				case pg_query.AlterTableType_AT_SetLogged:
					what = "SET LOGGED"
				case pg_query.AlterTableType_AT_SetUnLogged:
					what = "SET UNLOGGED"
				default:
					continue
				}
				table := rule.RangeVarName(at.Relation)
				out = append(out, rule.Violation{
					Message: what + " on " + table + " rewrites the table under ACCESS EXCLUSIVE, blocking reads and writes for the whole copy",
					SafeSQL: rebuild{table: rule.RelName(at.Relation), unlogged: what == "SET UNLOGGED"}.sql(c),
					Object:  table, Location: at.Relation.GetLocation(),
				})
			}
			return out
		},
		Cases: []rule.Case{
			{Name: "set logged on an existing table", Baseline: "CREATE UNLOGGED TABLE events (id bigint PRIMARY KEY, body text);",
				SQL: "ALTER TABLE events SET LOGGED;", Fires: true},
			{Name: "set unlogged on an existing table", Baseline: "CREATE TABLE events (id bigint PRIMARY KEY, body text);",
				SQL: "ALTER TABLE events SET UNLOGGED;", Fires: true},
			{Name: "table created in the same change",
				SQL: "CREATE UNLOGGED TABLE events (id bigint PRIMARY KEY);\nALTER TABLE events SET LOGGED;"},
			{Name: "other subcommands", Baseline: "CREATE TABLE events (id bigint PRIMARY KEY);",
				SQL: "ALTER TABLE events SET (fillfactor = 90);"},
		},
	}
}

// setAccessMethod: SET ACCESS METHOD (PostgreSQL 15+) rewrites the table.
func setAccessMethod() rule.Rule {
	return rule.Rule{
		ID:       "set-access-method",
		Severity: workflow.SeverityWarning,
		Summary:  "ALTER TABLE ... SET ACCESS METHOD on an existing table",
		Why: "SET ACCESS METHOD (PostgreSQL 15 and later) rewrites the whole table into the new access " +
			"method while holding ACCESS EXCLUSIVE: reads and writes wait until the rewrite is done.",
		Check: func(c *rule.Context) []rule.Violation {
			at, cmds := tableCmds(c)
			var out []rule.Violation
			for _, cmd := range cmds {
				if cmd.Subtype != pg_query.AlterTableType_AT_SetAccessMethod {
					continue
				}
				table := rule.RangeVarName(at.Relation)
				msg := "SET ACCESS METHOD " + cmd.Name + " on " + table + " rewrites the table under ACCESS EXCLUSIVE, blocking reads and writes for the whole rewrite"
				if c.PG < 15 {
					msg = "SET ACCESS METHOD does not exist before PostgreSQL 15 (target " + strconv.Itoa(c.PG) + "): the statement on " + table + " fails; build a copy with the new access method instead"
				}
				out = append(out, rule.Violation{
					Message: msg,
					SafeSQL: rebuild{table: rule.RelName(at.Relation), accessMethod: cmd.Name}.sql(c),
					Object:  table, Location: at.Relation.GetLocation(),
				})
			}
			return out
		},
		Cases: []rule.Case{
			{Name: "existing table", Baseline: "CREATE TABLE events (id bigint PRIMARY KEY, body text);",
				SQL: "ALTER TABLE events SET ACCESS METHOD heap2;", Fires: true},
			{Name: "before PostgreSQL 15", Baseline: "CREATE TABLE events (id bigint PRIMARY KEY, body text);",
				SQL: "ALTER TABLE events SET ACCESS METHOD heap2;", PG: 14, Fires: true},
			{Name: "table created in the same change",
				SQL: "CREATE TABLE events (id bigint PRIMARY KEY);\nALTER TABLE events SET ACCESS METHOD heap2;"},
		},
	}
}
