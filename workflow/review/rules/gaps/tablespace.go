package gaps

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
)

// setTablespace: SET TABLESPACE copies a table or index under ACCESS EXCLUSIVE.
func setTablespace() rule.Rule {
	return rule.Rule{
		ID:       "set-tablespace",
		Severity: workflow.SeverityWarning,
		Summary:  "ALTER TABLE / ALTER INDEX ... SET TABLESPACE on an existing relation",
		Why: "SET TABLESPACE copies every file of the table or index to the new tablespace while holding " +
			"ACCESS EXCLUSIVE: reads and writes wait for the whole copy.",
		Check: func(c *rule.Context) []rule.Violation {
			at, ok := c.AlterTable()
			if !ok {
				return nil
			}
			var out []rule.Violation
			for _, cmd := range c.AlterCmds() {
				if cmd.Subtype != pg_query.AlterTableType_AT_SetTableSpace {
					continue
				}
				if v, ok := tablespaceViolation(c, at, cmd.Name); ok {
					out = append(out, v)
				}
			}
			return out
		},
		Cases: []rule.Case{
			{Name: "existing table", Baseline: "CREATE TABLE events (id bigint PRIMARY KEY, body text);",
				SQL: "ALTER TABLE events SET TABLESPACE archive;", Fires: true},
			{Name: "existing index", Baseline: "CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz);\nCREATE INDEX events_at_idx ON events (at);",
				SQL: "ALTER INDEX events_at_idx SET TABLESPACE fast;", Fires: true},
			{Name: "index the model does not know",
				SQL: "ALTER INDEX events_pkey SET TABLESPACE fast;", Fires: true},
			{Name: "table created in the same change",
				SQL: "CREATE TABLE events (id bigint PRIMARY KEY);\nALTER TABLE events SET TABLESPACE archive;"},
			{Name: "index created in the same change", Baseline: "CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz);",
				SQL: "CREATE TABLE events2 (id bigint PRIMARY KEY, at timestamptz);\nCREATE INDEX events2_at_idx ON events2 (at);\nALTER INDEX events2_at_idx SET TABLESPACE fast;"},
		},
	}
}

// tablespaceViolation reports one SET TABLESPACE on a table or an index.
func tablespaceViolation(c *rule.Context, at *pg_query.AlterTableStmt, space string) (rule.Violation, bool) {
	name := rule.RangeVarName(at.Relation)
	loc := at.Relation.GetLocation()
	switch at.Objtype {
	case pg_query.ObjectType_OBJECT_TABLE:
		if !c.Existing(name) {
			return rule.Violation{}, false
		}
		return rule.Violation{
			Message: "SET TABLESPACE " + space + " copies all of " + name + " under ACCESS EXCLUSIVE, blocking reads and writes for the whole copy",
			SafeSQL: rebuild{table: rule.RelName(at.Relation), tablespace: space}.sql(c),
			Object:  name, Location: loc,
		}, true
	case pg_query.ObjectType_OBJECT_INDEX:
		ix := c.Model.Index(name)
		if ix != nil && c.CreatedHere(ix.Table.String()) {
			return rule.Violation{}, false
		}
		return rule.Violation{
			Message: "SET TABLESPACE " + space + " copies index " + name + " under ACCESS EXCLUSIVE: queries and writes on its table wait for the whole copy",
			SafeSQL: moveIndexSQL(c, at.Relation, space),
			Object:  name, Location: loc,
		}, true
	}
	return rule.Violation{}, false
}

// moveIndexSQL rebuilds an index CONCURRENTLY in the new tablespace and drops
// the old one; for an index the model does not know it asks for its definition.
func moveIndexSQL(c *rule.Context, rv *pg_query.RangeVar, space string) string {
	name := rule.RelName(rv)
	ix := c.Model.Index(name.String())
	if ix == nil {
		return "-- Rebuild the index CONCURRENTLY in the new tablespace from its definition, then\n" +
			"-- DROP INDEX CONCURRENTLY the old one (a constraint's index: attach the new one USING INDEX).\n" +
			"SELECT pg_get_indexdef(" + rule.QuoteLiteral(rule.QuoteQualified(name)) + "::regclass);"
	}
	tmp := sibling(name, name.Name+"_moved")
	create := "CREATE "
	if ix.Unique {
		create += "UNIQUE "
	}
	create += "INDEX CONCURRENTLY IF NOT EXISTS " + rule.QuoteColID(tmp.Name) + " ON " + rule.QuoteQualified(ix.Table) + " USING " + ix.Method + " ("
	for i, k := range ix.Keys {
		if i > 0 {
			create += ", "
		}
		create += k.String()
	}
	create += ")"
	if len(ix.Include) > 0 {
		create += " INCLUDE (" + rule.JoinColIDs(ix.Include) + ")"
	}
	if ix.NullsNotDistinct {
		create += " NULLS NOT DISTINCT"
	}
	create += " TABLESPACE " + rule.QuoteColID(space)
	if ix.Where != "" {
		create += " WHERE (" + ix.Where + ")"
	}
	return "-- Build the index again in the new tablespace without blocking writes, then swap it in.\n" +
		create + ";\n" +
		"DROP INDEX CONCURRENTLY IF EXISTS " + rule.QuoteQualified(name) + ";\n" +
		"ALTER INDEX " + rule.QuoteQualified(tmp) + " RENAME TO " + rule.QuoteColID(name.Name) + ";"
}
