package txn

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/pgrollout/pgrollout/workflow/review/rule"
)

// robustCreateDrop checks the CREATE and DROP statements that have an
// IF [NOT] EXISTS or OR REPLACE form: a boolean field of the statement, set
// by the fix.
func robustCreateDrop(c *rule.Context) []issue {
	var field, what string
	switch s := c.Stmt.Node.GetNode().(type) {
	case *pg_query.Node_CreateStmt:
		cs := s.CreateStmt
		if cs.Relation.GetRelpersistence() == "t" && cs.Oncommit == pg_query.OnCommitAction_ONCOMMIT_DROP {
			return nil
		}
		field, what = "if_not_exists", "IF NOT EXISTS"
	case *pg_query.Node_CreateTableAsStmt, *pg_query.Node_CreateSeqStmt, *pg_query.Node_CreateSchemaStmt,
		*pg_query.Node_CreateExtensionStmt:
		field, what = "if_not_exists", "IF NOT EXISTS"
	case *pg_query.Node_ViewStmt, *pg_query.Node_CreateFunctionStmt:
		field, what = "replace", "OR REPLACE"
	case *pg_query.Node_DropStmt, *pg_query.Node_DropdbStmt:
		field, what = "missing_ok", "IF EXISTS"
	default:
		return nil
	}
	if flag(c.Stmt.Node, field).Bool() {
		return nil
	}
	target := c.Stmt.Target
	return []issue{{
		message: c.Stmt.Kind + " " + target + " without " + what + rerun,
		object:  target, guard: -1,
		fix: func(n *pg_query.Node) { setFlag(n, field) },
	}}
}

// flag reads a boolean field of the statement node inside n.
func flag(n *pg_query.Node, field string) protoreflect.Value {
	m := stmtMessage(n)
	return m.Get(m.Descriptor().Fields().ByName(protoreflect.Name(field)))
}

// setFlag sets a boolean field of the statement node inside n.
func setFlag(n *pg_query.Node, field string) {
	m := stmtMessage(n)
	m.Set(m.Descriptor().Fields().ByName(protoreflect.Name(field)), protoreflect.ValueOfBool(true))
}

// stmtMessage is the statement node a Node wraps (its one set field).
func stmtMessage(n *pg_query.Node) protoreflect.Message {
	m := n.ProtoReflect()
	fd := m.WhichOneof(m.Descriptor().Oneofs().ByName("node"))
	return m.Get(fd).Message()
}

// robustAlter checks the ALTER TABLE subcommands that are not repeatable:
// ADD/DROP COLUMN and DROP CONSTRAINT without IF [NOT] EXISTS, and ADD
// CONSTRAINT, which has no IF NOT EXISTS: its safe form runs it only when the
// constraint is missing. Dropping the constraint IF EXISTS first is not the
// fix: for UNIQUE/PRIMARY KEY ... USING INDEX the drop takes the index along,
// and a CHECK or foreign key would be validated all over again. An earlier
// DROP CONSTRAINT IF EXISTS of the same name (squawk's pattern) is accepted.
func robustAlter(c *rule.Context, at *pg_query.AlterTableStmt) []issue {
	table := rule.RangeVarName(at.Relation)
	var issues []issue
	for i, n := range at.Cmds {
		cmd := n.GetAlterTableCmd()
		setMissingOk := func(clone *pg_query.Node) { clone.GetAlterTableStmt().Cmds[i].GetAlterTableCmd().MissingOk = true }
		switch cmd.GetSubtype() {
		case pg_query.AlterTableType_AT_AddColumn:
			if !cmd.MissingOk {
				col := cmd.GetDef().GetColumnDef().GetColname()
				issues = append(issues, issue{message: "ADD COLUMN " + col + " without IF NOT EXISTS" + rerun,
					object: table + "." + col, location: c.NameLocation(col, 0), guard: -1, fix: setMissingOk})
			}
		case pg_query.AlterTableType_AT_DropColumn, pg_query.AlterTableType_AT_DropConstraint:
			if !cmd.MissingOk {
				what := "DROP COLUMN "
				if cmd.Subtype == pg_query.AlterTableType_AT_DropConstraint {
					what = "DROP CONSTRAINT "
				}
				issues = append(issues, issue{message: what + cmd.Name + " without IF EXISTS" + rerun,
					object: table + "." + cmd.Name, location: c.NameLocation(cmd.Name, 0), guard: -1, fix: setMissingOk})
			}
		case pg_query.AlterTableType_AT_AddConstraint:
			if con := cmd.GetDef().GetConstraint(); con != nil && !droppedBefore(c, at, i, con.Conname) {
				issues = append(issues, addConstraintIssue(c, at, i, con))
			}
		}
	}
	return issues
}

// addConstraintIssue describes the ADD CONSTRAINT at subcommand i; an
// unnamed constraint gets the name PostgreSQL would give it.
func addConstraintIssue(c *rule.Context, at *pg_query.AlterTableStmt, i int, con *pg_query.Constraint) issue {
	table := rule.RangeVarName(at.Relation)
	is := issue{
		message:  "ADD CONSTRAINT " + con.Conname + " has no IF NOT EXISTS" + rerun + " (\"already exists\")",
		object:   table + "." + con.Conname,
		location: c.NameLocation(con.Conname, 0),
		guard:    i,
		fix:      func(*pg_query.Node) {},
	}
	if con.Conname == "" {
		name := constraintName(at, con)
		is.message = "unnamed " + constraintKind(con) + " constraint: a re-run adds a duplicate under another generated name, or fails"
		is.object, is.location = table+"."+name, con.Location
		is.fix = func(clone *pg_query.Node) {
			clone.GetAlterTableStmt().Cmds[i].GetAlterTableCmd().GetDef().GetConstraint().Conname = name
		}
	}
	return is
}

// guardedAdd renders a one-constraint ALTER TABLE inside a DO block that runs
// it only when the table has no constraint of that name yet.
func guardedAdd(c *rule.Context, at *pg_query.AlterTableStmt) (string, error) {
	sql, err := c.Stmt.Deparse(&pg_query.Node{Node: &pg_query.Node_AlterTableStmt{AlterTableStmt: at}})
	if err != nil {
		return "", err
	}
	name := at.Cmds[0].GetAlterTableCmd().GetDef().GetConstraint().GetConname()
	rel := rule.QuoteLiteral(rule.RelSQL(at.Relation))
	return "DO $robust$\nBEGIN\n" +
		"  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = " + rel + "::regclass AND conname = " + rule.QuoteLiteral(name) + ") THEN\n" +
		"    " + sql + "\n" +
		"  END IF;\nEND\n$robust$;\n", nil
}

// droppedBefore reports whether the constraint name was dropped IF EXISTS
// earlier in the same ALTER TABLE or by an earlier ALTER TABLE of the file on
// the same table, so that adding it again is repeatable.
func droppedBefore(c *rule.Context, at *pg_query.AlterTableStmt, upto int, name string) bool {
	if name == "" {
		return false
	}
	drops := func(cmds []*pg_query.Node) bool {
		for _, n := range cmds {
			cmd := n.GetAlterTableCmd()
			if cmd.GetSubtype() == pg_query.AlterTableType_AT_DropConstraint && cmd.GetMissingOk() && cmd.GetName() == name {
				return true
			}
		}
		return false
	}
	if drops(at.Cmds[:upto]) {
		return true
	}
	for _, i := range c.ByTable.ByTable(rule.RangeVarName(at.Relation)) {
		if i >= c.Index {
			break
		}
		if prev := c.Statements[i].Node.GetAlterTableStmt(); prev != nil && drops(prev.Cmds) {
			return true
		}
	}
	return false
}

// constraintKind names a constraint type for messages.
func constraintKind(con *pg_query.Constraint) string {
	switch con.Contype {
	case pg_query.ConstrType_CONSTR_CHECK:
		return "CHECK"
	case pg_query.ConstrType_CONSTR_FOREIGN:
		return "FOREIGN KEY"
	case pg_query.ConstrType_CONSTR_UNIQUE:
		return "UNIQUE"
	case pg_query.ConstrType_CONSTR_PRIMARY:
		return "PRIMARY KEY"
	case pg_query.ConstrType_CONSTR_EXCLUSION:
		return "EXCLUDE"
	}
	return strings.TrimPrefix(con.Contype.String(), "CONSTR_")
}

// constraintSuffix is the suffix PostgreSQL gives a constraint's default name.
func constraintSuffix(t pg_query.ConstrType) string {
	switch t {
	case pg_query.ConstrType_CONSTR_CHECK:
		return "check"
	case pg_query.ConstrType_CONSTR_FOREIGN:
		return "fkey"
	case pg_query.ConstrType_CONSTR_UNIQUE:
		return "key"
	case pg_query.ConstrType_CONSTR_PRIMARY:
		return "pkey"
	case pg_query.ConstrType_CONSTR_EXCLUSION:
		return "excl"
	}
	return "con"
}

// constraintName is a name in PostgreSQL's style for an unnamed constraint:
// table_columns_suffix.
func constraintName(at *pg_query.AlterTableStmt, con *pg_query.Constraint) string {
	parts := []string{at.Relation.GetRelname()}
	cols := con.Keys
	if con.Contype == pg_query.ConstrType_CONSTR_FOREIGN {
		cols = con.FkAttrs
	}
	for _, k := range cols {
		parts = append(parts, k.GetString_().GetSval())
	}
	return rule.Clip(strings.Join(parts, "_") + "_" + constraintSuffix(con.Contype))
}
