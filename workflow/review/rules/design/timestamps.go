package design

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// timestampConventions: every table has created_at and updated_at,
// timestamptz, NOT NULL, DEFAULT now().
func timestampConventions() rule.Rule {
	return rule.Rule{
		ID:       "timestamp-conventions",
		Severity: workflow.SeverityWarning,
		Summary:  "created_at/updated_at missing or not timestamptz NOT NULL DEFAULT now()",
		Why: "created_at and updated_at are what support, audits, incremental exports and cleanups filter on. " +
			"timestamp without time zone silently shifts with the session's TimeZone; a nullable or default-less " +
			"column leaves rows whose age nobody knows. The convention is timestamptz NOT NULL DEFAULT now() for " +
			"both, with the application (or a trigger) setting updated_at on every write.",
		Check: func(c *rule.Context) []rule.Violation {
			if cs := newTable(c); cs != nil {
				return tableTimestamps(c, cs)
			}
			return addedTimestamps(c)
		},
		Cases: []rule.Case{
			{Name: "missing updated_at",
				SQL: "CREATE TABLE refunds (id bigint PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now());", Fires: true},
			{Name: "timestamp without time zone, nullable, no default",
				SQL: "CREATE TABLE refunds (id bigint PRIMARY KEY, created_at timestamp, updated_at timestamptz NOT NULL DEFAULT now());", Fires: true},
			{Name: "column added with the wrong type",
				Baseline: "CREATE TABLE refunds (id bigint PRIMARY KEY);",
				SQL:      "ALTER TABLE refunds ADD COLUMN created_at timestamp DEFAULT now();", Fires: true},
			{Name: "conventional",
				SQL: "CREATE TABLE refunds (id bigint PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamp with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP);"},
			{Name: "added later in the file",
				SQL: "CREATE TABLE refunds (id bigint PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now());\nALTER TABLE refunds ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();"},
			{Name: "conventional column added", Baseline: "CREATE TABLE refunds (id bigint PRIMARY KEY);",
				SQL: "ALTER TABLE refunds ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();"},
		},
	}
}

// tableTimestamps judges the timestamp columns of a new table.
func tableTimestamps(c *rule.Context, cs *pg_query.CreateStmt) []rule.Violation {
	table := rule.RelName(cs.Relation)
	fixed := proto.Clone(cs).(*pg_query.CreateStmt)
	notNull := notNullLater(c, table)
	var out []rule.Violation
	for _, name := range [...]string{"created_at", "updated_at"} {
		i, cd := findColumn(cs, name)
		if cd == nil {
			if addsColumn(c.LaterOn(table.String()), table, name) {
				continue
			}
			fixed.TableElts = append(fixed.TableElts, conventionalColumn(name))
			out = append(out, rule.Violation{
				Message: "table " + table.String() + " has no " + name + " column (timestamptz NOT NULL DEFAULT now())",
				Object:  table.String() + "." + name, Location: cs.Relation.GetLocation(),
			})
			continue
		}
		problems := timestampProblems(c, cd, notNull.has(name))
		if len(problems) == 0 {
			continue
		}
		fixed.TableElts[i] = conventionalColumn(name)
		out = append(out, rule.Violation{
			Message: table.String() + "." + name + " " + strings.Join(problems, ", ") + ": the convention is timestamptz NOT NULL DEFAULT now()",
			Object:  table.String() + "." + name, Location: cd.Location,
		})
	}
	safe := c.Deparse(&pg_query.Node{Node: &pg_query.Node_CreateStmt{CreateStmt: fixed}})
	for i := range out {
		out[i].SafeSQL = safe
	}
	return out
}

// addedTimestamps judges created_at/updated_at columns added with ALTER TABLE.
func addedTimestamps(c *rule.Context) []rule.Violation {
	at := c.Stmt.Node.GetAlterTableStmt()
	if at == nil || at.Objtype != pg_query.ObjectType_OBJECT_TABLE || !addsTimestamp(at) {
		return nil
	}
	table := rule.RelName(at.Relation)
	fixed := proto.Clone(at).(*pg_query.AlterTableStmt)
	notNull := notNullLater(c, table)
	var out []rule.Violation
	for _, n := range fixed.Cmds {
		cmd := n.GetAlterTableCmd()
		cd := cmd.GetDef().GetColumnDef()
		if cmd.GetSubtype() != pg_query.AlterTableType_AT_AddColumn || cd == nil || (cd.Colname != "created_at" && cd.Colname != "updated_at") {
			continue
		}
		problems := timestampProblems(c, cd, notNull.has(cd.Colname))
		if len(problems) == 0 {
			continue
		}
		cmd.Def = conventionalColumn(cd.Colname)
		out = append(out, rule.Violation{
			Message: table.String() + "." + cd.Colname + " " + strings.Join(problems, ", ") + ": the convention is timestamptz NOT NULL DEFAULT now()",
			Object:  table.String() + "." + cd.Colname, Location: cd.Location,
		})
	}
	safe := c.Deparse(&pg_query.Node{Node: &pg_query.Node_AlterTableStmt{AlterTableStmt: fixed}})
	for i := range out {
		out[i].SafeSQL = safe
	}
	return out
}

// addsTimestamp reports whether an ALTER TABLE adds created_at or updated_at.
func addsTimestamp(at *pg_query.AlterTableStmt) bool {
	for _, n := range at.Cmds {
		cmd := n.GetAlterTableCmd()
		if name := cmd.GetDef().GetColumnDef().GetColname(); cmd.GetSubtype() == pg_query.AlterTableType_AT_AddColumn && (name == "created_at" || name == "updated_at") {
			return true
		}
	}
	return false
}

// timestampProblems lists how a timestamp column departs from the convention.
func timestampProblems(c *rule.Context, cd *pg_query.ColumnDef, notNullLater bool) []string {
	var problems []string
	if typ := schema.TypeString(cd.TypeName); typ != "timestamptz" {
		problems = append(problems, "is "+typ+", not timestamptz")
	}
	if !notNullDef(cd) && !notNullLater {
		problems = append(problems, "is nullable")
	}
	switch def := strings.ToLower(c.Stmt.Expr(columnDefault(cd))); def {
	case "now()", "current_timestamp", "transaction_timestamp()", "statement_timestamp()", "clock_timestamp()":
	case "":
		problems = append(problems, "has no default")
	default:
		problems = append(problems, "defaults to "+def+", not now()")
	}
	return problems
}

// columnDefault returns the default expression of a column definition.
func columnDefault(cd *pg_query.ColumnDef) *pg_query.Node {
	if cd.RawDefault != nil {
		return cd.RawDefault
	}
	for _, n := range cd.Constraints {
		if con := n.GetConstraint(); con.GetContype() == pg_query.ConstrType_CONSTR_DEFAULT {
			return con.RawExpr
		}
	}
	return nil
}

// findColumn returns a column definition of a CREATE TABLE with its index in
// the table elements.
func findColumn(cs *pg_query.CreateStmt, name string) (int, *pg_query.ColumnDef) {
	for i, elt := range cs.TableElts {
		if cd := elt.GetColumnDef(); cd != nil && cd.Colname == name {
			return i, cd
		}
	}
	return -1, nil
}

// conventionalColumn builds "name timestamptz NOT NULL DEFAULT now()".
func conventionalColumn(name string) *pg_query.Node {
	return rule.ParseStmt("CREATE TABLE t (" + rule.QuoteColID(name) + " timestamptz NOT NULL DEFAULT now())").GetCreateStmt().GetTableElts()[0]
}
