package hygiene

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// columnType is a column type written in a statement.
type columnType struct {
	table  string
	column string
	def    *pg_query.ColumnDef
	// added is set for a column being created (CREATE TABLE, ADD COLUMN) and
	// unset for ALTER COLUMN ... TYPE.
	added bool
	// inCreate is set for a column of CREATE TABLE.
	inCreate bool
}

// columnTypes lists the column types a statement writes, in order: the
// columns of CREATE TABLE, ADD COLUMN and ALTER COLUMN ... TYPE.
func columnTypes(n *pg_query.Node) []columnType {
	var out []columnType
	switch s := n.GetNode().(type) {
	case *pg_query.Node_CreateStmt:
		table := rule.RangeVarName(s.CreateStmt.Relation)
		for _, e := range s.CreateStmt.TableElts {
			if cd := e.GetColumnDef(); cd != nil && cd.TypeName != nil {
				out = append(out, columnType{table: table, column: cd.Colname, def: cd, added: true, inCreate: true})
			}
		}
	case *pg_query.Node_AlterTableStmt:
		table := rule.RangeVarName(s.AlterTableStmt.Relation)
		for _, c := range s.AlterTableStmt.Cmds {
			cmd := c.GetAlterTableCmd()
			cd := cmd.GetDef().GetColumnDef()
			if cd == nil || cd.TypeName == nil {
				continue
			}
			switch cmd.Subtype {
			case pg_query.AlterTableType_AT_AddColumn:
				out = append(out, columnType{table: table, column: cd.Colname, def: cd, added: true})
			case pg_query.AlterTableType_AT_AlterColumnType:
				out = append(out, columnType{table: table, column: cmd.Name, def: cd})
			}
		}
	}
	return out
}

// baseType is the type's own name without the pg_catalog prefix the parser
// adds: "int4", "serial", "varchar", "timestamp", "bpchar"; "" for types in
// other schemas.
func baseType(t *pg_query.TypeName) string {
	switch len(t.GetNames()) {
	case 1:
		return t.Names[0].GetString_().GetSval()
	case 2:
		if t.Names[0].GetString_().GetSval() == "pg_catalog" {
			return t.Names[1].GetString_().GetSval()
		}
	}
	return ""
}

// catalogType builds the names of a built-in type.
func catalogType(name string) []*pg_query.Node {
	return []*pg_query.Node{pg_query.MakeStrNode("pg_catalog"), pg_query.MakeStrNode(name)}
}

// typeCheck is a rule that flags column types and rewrites them.
type typeCheck struct {
	// match reports whether a column type is flagged.
	match func(columnType) bool
	// fix rewrites a flagged column definition of the cloned statement.
	fix func(columnType)
	// message describes one flagged column.
	message func(columnType) string
	// note, when set, heads the safe SQL.
	note string
}

// run applies the check to the statement: one violation per flagged column,
// all sharing the statement with every flagged column fixed.
func (tc typeCheck) run(c *rule.Context) []rule.Violation {
	var hits []columnType
	for _, ct := range columnTypes(c.Stmt.Node) {
		if tc.match(ct) {
			hits = append(hits, ct)
		}
	}
	if len(hits) == 0 {
		return nil
	}
	clone := proto.Clone(c.Stmt.Node).(*pg_query.Node)
	for _, ct := range columnTypes(clone) {
		if tc.match(ct) {
			tc.fix(ct)
		}
	}
	safe := tc.note
	if sql, err := c.Stmt.Deparse(clone); err == nil {
		safe += sql + "\n"
	} else {
		safe += "-- Change the type of: " + strings.ReplaceAll(c.Stmt.Text, "\n", " ") + "\n"
	}
	out := make([]rule.Violation, 0, len(hits))
	for _, ct := range hits {
		out = append(out, rule.Violation{
			Message:  tc.message(ct),
			SafeSQL:  safe,
			Object:   ct.table + "." + ct.column,
			Location: ct.def.TypeName.Location,
		})
	}
	return out
}

// written renders a column's type the way people write it ("integer",
// "varchar(64)").
func written(ct columnType) string { return schema.TypeString(ct.def.TypeName) }

// typmod returns the first integer type modifier (the n of varchar(n)), or 0.
func typmod(t *pg_query.TypeName) int64 {
	if len(t.Typmods) == 0 {
		return 0
	}
	return int64(t.Typmods[0].GetAConst().GetIval().GetIval())
}

// addLengthCheck adds CHECK (char_length(col) <= n) to a new column of
// CREATE TABLE, keeping the limit a varchar(n) or char(n) enforced.
func addLengthCheck(ct columnType, n int64) {
	if !ct.inCreate || n <= 0 || len(ct.def.TypeName.ArrayBounds) > 0 {
		return
	}
	length := pg_query.MakeFuncCallNode([]*pg_query.Node{pg_query.MakeStrNode("char_length")},
		[]*pg_query.Node{pg_query.MakeColumnRefNode([]*pg_query.Node{pg_query.MakeStrNode(ct.column)}, -1)}, -1)
	expr := pg_query.MakeAExprNode(pg_query.A_Expr_Kind_AEXPR_OP, []*pg_query.Node{pg_query.MakeStrNode("<=")},
		length, pg_query.MakeAConstIntNode(n, -1), -1)
	ct.def.Constraints = append(ct.def.Constraints, &pg_query.Node{Node: &pg_query.Node_Constraint{Constraint: &pg_query.Constraint{
		Contype: pg_query.ConstrType_CONSTR_CHECK, RawExpr: expr, InitiallyValid: true, Location: -1,
	}}})
}
