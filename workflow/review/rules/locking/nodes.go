package locking

import (
	"regexp"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// stringNodes turns names into a list of String nodes.
func stringNodes(ss ...string) []*pg_query.Node {
	out := make([]*pg_query.Node, 0, len(ss))
	for _, s := range ss {
		out = append(out, pg_query.MakeStrNode(s))
	}
	return out
}

// columnConstraints returns the inline constraints of a column definition.
func columnConstraints(cd *pg_query.ColumnDef) []*pg_query.Constraint {
	var out []*pg_query.Constraint
	for _, n := range cd.GetConstraints() {
		if con := n.GetConstraint(); con != nil {
			out = append(out, con)
		}
	}
	return out
}

// hasConstraint returns the column's first inline constraint of the given type.
func hasConstraint(cd *pg_query.ColumnDef, t pg_query.ConstrType) *pg_query.Constraint {
	for _, con := range columnConstraints(cd) {
		if con.Contype == t {
			return con
		}
	}
	return nil
}

// withoutConstraints removes the inline constraints of the given types from a
// column definition (edited in place).
func withoutConstraints(cd *pg_query.ColumnDef, types ...pg_query.ConstrType) {
	kept := cd.Constraints[:0]
	for _, n := range cd.Constraints {
		drop := false
		for _, t := range types {
			if n.GetConstraint().GetContype() == t {
				drop = true
			}
		}
		if !drop {
			kept = append(kept, n)
		}
	}
	cd.Constraints = kept
}

// addedColumn returns the column definition of an ADD COLUMN command.
func addedColumn(cmd *pg_query.AlterTableCmd) *pg_query.ColumnDef {
	if cmd.Subtype != pg_query.AlterTableType_AT_AddColumn {
		return nil
	}
	return cmd.GetDef().GetColumnDef()
}

// addedConstraint returns the constraint of an ADD CONSTRAINT command.
func addedConstraint(cmd *pg_query.AlterTableCmd) *pg_query.Constraint {
	if cmd.Subtype != pg_query.AlterTableType_AT_AddConstraint {
		return nil
	}
	return cmd.GetDef().GetConstraint()
}

// defaultExpr returns the DEFAULT expression of a column definition, or nil.
func defaultExpr(cd *pg_query.ColumnDef) *pg_query.Node {
	if cd.RawDefault != nil {
		return cd.RawDefault
	}
	return hasConstraint(cd, pg_query.ConstrType_CONSTR_DEFAULT).GetRawExpr()
}

// isNullConst reports whether an expression is the NULL literal.
func isNullConst(n *pg_query.Node) bool {
	return n.GetAConst() != nil && n.GetAConst().Isnull
}

// sameTable reports whether two table references name the same table.
func sameTable(a, b string) bool {
	return a != "" && schema.ParseQualifiedName(a).Is(schema.ParseQualifiedName(b))
}

// alterOn returns the ALTER TABLE node of a statement and the table it
// changes, if the statement is an ALTER TABLE.
func alterOn(st schema.Statement) (*pg_query.AlterTableStmt, string, bool) {
	n, ok := st.Node.GetNode().(*pg_query.Node_AlterTableStmt)
	if !ok || n.AlterTableStmt.Objtype != pg_query.ObjectType_OBJECT_TABLE {
		return nil, "", false
	}
	return n.AlterTableStmt, rule.RangeVarName(n.AlterTableStmt.Relation), true
}

// existingAlter returns the statement's ALTER TABLE node and its table when
// the statement alters a table that already holds data (one the change did
// not create).
func existingAlter(c *rule.Context) (*pg_query.AlterTableStmt, string, bool) {
	at, table, ok := alterOn(c.Stmt)
	if !ok || !c.Existing(table) {
		return nil, "", false
	}
	return at, table, true
}

// locate returns the file offset of the first match of pattern (a regular
// expression, matched case-insensitively) in the statement's text, or 0 (the
// statement itself) when it does not match. It places findings on commands
// whose parse node carries no location, such as SET NOT NULL.
func locate(st schema.Statement, pattern string) int32 {
	re, err := regexp.Compile(`(?is)` + pattern)
	if err != nil {
		return 0
	}
	loc := re.FindStringIndex(st.Text)
	if loc == nil {
		return 0
	}
	return int32(st.Start + loc[0])
}

// identPattern matches an identifier as written, quoted or not.
func identPattern(name string) string {
	q := regexp.QuoteMeta(name)
	return `(?:"` + strings.ReplaceAll(q, `"`, `""`) + `"|\b` + q + `\b)`
}
