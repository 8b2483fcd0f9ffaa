package gaps

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// preferJSONBOverJSON: json keeps the text as written and has no equality
// operator; jsonb is what applications almost always want.
func preferJSONBOverJSON() rule.Rule {
	return rule.Rule{
		ID:       "prefer-jsonb-over-json",
		Severity: workflow.SeverityWarning,
		Summary:  "json column instead of jsonb",
		Why: "json stores the text as written and has no equality operator: SELECT DISTINCT, GROUP BY, UNION " +
			"and unique constraints on it fail, it cannot be indexed with GIN, and every access re-parses it. " +
			"jsonb is binary, comparable and indexable.",
		Check: func(c *rule.Context) []rule.Violation {
			if !columnStatement(c.Stmt.Node) {
				return nil
			}
			var out []rule.Violation
			schema.Walk(c.Stmt.Node.ProtoReflect(), func(m protoreflect.Message) {
				cd, ok := m.Interface().(*pg_query.ColumnDef)
				if !ok || !isJSON(cd.TypeName) {
					return
				}
				out = append(out, rule.Violation{
					Message: "column " + cd.Colname + " of " + c.Stmt.Target + " is json: it has no equality operator and no GIN index support; use jsonb",
					SafeSQL: jsonbSQL(c),
					Object:  c.Stmt.Target + "." + cd.Colname, Location: cd.TypeName.GetLocation(),
				})
			})
			return out
		},
		Cases: []rule.Case{
			{Name: "create table", SQL: "CREATE TABLE events (id bigint PRIMARY KEY, payload json NOT NULL);", Fires: true},
			{Name: "add column", Baseline: "CREATE TABLE events (id bigint PRIMARY KEY);",
				SQL: "ALTER TABLE events ADD COLUMN payload json;", Fires: true},
			{Name: "json array", SQL: "CREATE TABLE events (id bigint PRIMARY KEY, payloads json[]);", Fires: true},
			{Name: "jsonb", SQL: "CREATE TABLE events (id bigint PRIMARY KEY, payload jsonb NOT NULL);"},
		},
	}
}

// columnStatement reports whether a statement defines columns (CREATE TABLE,
// ALTER TABLE).
func columnStatement(n *pg_query.Node) bool {
	switch n.GetNode().(type) {
	case *pg_query.Node_CreateStmt, *pg_query.Node_AlterTableStmt:
		return true
	}
	return false
}

// isJSON reports whether a type is json (or pg_catalog.json), arrays included.
func isJSON(t *pg_query.TypeName) bool {
	names := rule.StringValues(t.GetNames())
	switch len(names) {
	case 1:
		return names[0] == "json"
	case 2:
		return names[0] == "pg_catalog" && names[1] == "json"
	}
	return false
}

// jsonbSQL renders the statement with every json column type made jsonb.
func jsonbSQL(c *rule.Context) string {
	fixed := proto.Clone(c.Stmt.Node).(*pg_query.Node)
	schema.Walk(fixed.ProtoReflect(), func(m protoreflect.Message) {
		if cd, ok := m.Interface().(*pg_query.ColumnDef); ok && isJSON(cd.TypeName) {
			cd.TypeName.Names = []*pg_query.Node{pg_query.MakeStrNode("jsonb")}
		}
	})
	return c.Deparse(fixed)
}
