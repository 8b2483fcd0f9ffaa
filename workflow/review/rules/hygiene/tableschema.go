package hygiene

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
)

// defaultSchema is the schema an unqualified name lands in under the default
// search_path.
const defaultSchema = "public"

// requireTableSchema: CREATE/ALTER/DROP TABLE with an unqualified name.
func requireTableSchema() rule.Rule {
	return rule.Rule{
		ID:       "require-table-schema",
		Severity: workflow.SeverityInfo,
		Summary:  "table name not schema-qualified (opt-in, as in squawk: --include require-table-schema)",
		OptIn:    true,
		Why: "An unqualified table name resolves through search_path when the migration runs: run by " +
			"another role, through a pooler or by a tool with a different search_path, it creates, " +
			"alters or drops a table in another schema. Qualifying the name removes the doubt. squawk " +
			"only runs this rule when asked to; teams that keep everything in public usually exclude " +
			"it in .pgrollout.toml.",
		Check: checkTableSchema,
		Cases: []rule.Case{
			{Name: "create table", SQL: "CREATE TABLE orders (id bigint);", Fires: true},
			{Name: "alter and drop", SQL: "ALTER TABLE orders ADD COLUMN note text;\nDROP TABLE IF EXISTS legacy, app.old_legacy;", Fires: true},
			{Name: "create table as", SQL: "CREATE TABLE order_totals AS SELECT 1 AS n;", Fires: true},
			{Name: "qualified", SQL: "CREATE TABLE public.orders (id bigint);\nALTER TABLE app.orders ADD COLUMN note text;\nDROP TABLE app.legacy;"},
			{Name: "temporary table", SQL: "CREATE TEMP TABLE scratch (id bigint);\nCREATE TEMPORARY TABLE scratch2 AS SELECT 1;"},
		},
	}
}

// unqualified is a table name written without a schema.
type unqualified struct {
	name     string
	location int32
}

// checkTableSchema reports every unqualified table a CREATE TABLE [AS],
// ALTER TABLE or DROP TABLE names, and qualifies them with public.
func checkTableSchema(c *rule.Context) []rule.Violation {
	hits := unqualifiedTables(c.Stmt.Node, false)
	if len(hits) == 0 {
		return nil
	}
	clone := proto.Clone(c.Stmt.Node).(*pg_query.Node)
	unqualifiedTables(clone, true)
	safe := "-- public is where the default search_path puts it; use the schema the table really lives in.\n"
	if sql, err := c.Stmt.Deparse(clone); err == nil {
		safe += sql + "\n"
	}
	out := make([]rule.Violation, 0, len(hits))
	for _, h := range hits {
		out = append(out, rule.Violation{
			Message:  "table " + h.name + " is not schema-qualified: which table this means depends on the search_path at run time",
			SafeSQL:  safe,
			Object:   h.name,
			Location: h.location,
		})
	}
	return out
}

// unqualifiedTables lists the unqualified permanent tables a CREATE TABLE
// [AS], ALTER TABLE or DROP TABLE names; with fix set it qualifies them with
// public in place.
func unqualifiedTables(n *pg_query.Node, fix bool) []unqualified {
	var hits []unqualified
	check := func(rv *pg_query.RangeVar) {
		if rv != nil && rv.Schemaname == "" && rv.Relpersistence != "t" {
			hits = append(hits, unqualified{rv.Relname, rv.Location})
			if fix {
				rv.Schemaname = defaultSchema
			}
		}
	}
	switch s := n.GetNode().(type) {
	case *pg_query.Node_CreateStmt:
		check(s.CreateStmt.Relation)
	case *pg_query.Node_CreateTableAsStmt:
		if s.CreateTableAsStmt.Objtype == pg_query.ObjectType_OBJECT_TABLE {
			check(s.CreateTableAsStmt.GetInto().GetRel())
		}
	case *pg_query.Node_AlterTableStmt:
		if s.AlterTableStmt.Objtype == pg_query.ObjectType_OBJECT_TABLE {
			check(s.AlterTableStmt.Relation)
		}
	case *pg_query.Node_DropStmt:
		if s.DropStmt.RemoveType != pg_query.ObjectType_OBJECT_TABLE {
			break
		}
		for _, obj := range s.DropStmt.Objects {
			if l := obj.GetList(); l != nil && len(l.Items) == 1 {
				hits = append(hits, unqualified{name: l.Items[0].GetString_().GetSval()})
				if fix {
					l.Items = append([]*pg_query.Node{pg_query.MakeStrNode(defaultSchema)}, l.Items...)
				}
			}
		}
	}
	return hits
}
