package locking

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// script assembles a finding's safe SQL: statements deparsed from parse
// nodes, raw SQL lines and comments, in order.
type script struct {
	st    schema.Statement
	lines []string
	// inTx is set when the reviewed statement runs inside a transaction: steps
	// that need their own transaction are then written as comments, to be
	// moved to a later migration.
	inTx bool
	// later is set once the "later migration" heading has been written.
	later bool
}

// newScript starts the safe SQL for the statement under review.
func newScript(c *rule.Context) *script {
	return &script{st: c.Stmt, inTx: c.Tx.InTransaction}
}

// add appends statements built from (or edited out of) the reviewed
// statement's parse tree.
func (s *script) add(nodes ...*pg_query.Node) *script {
	for _, n := range nodes {
		s.lines = append(s.lines, s.render(n))
	}
	return s
}

// raw appends SQL text as it is.
func (s *script) raw(sql string) *script {
	s.lines = append(s.lines, sql)
	return s
}

// comment appends a line comment.
func (s *script) comment(text string) *script {
	s.lines = append(s.lines, "-- "+text)
	return s
}

// commented appends statements as comments: steps the reader runs later or
// elsewhere.
func (s *script) commented(nodes ...*pg_query.Node) *script {
	for _, n := range nodes {
		s.lines = append(s.lines, "-- "+s.render(n))
	}
	return s
}

// separately appends statements that must run in their own transaction,
// after the earlier ones have committed. Outside a transaction they are
// written as SQL; inside one (an explicit BEGIN or a runner that wraps the
// file) they cannot be, so they are written as comments under a heading
// asking for a later migration.
func (s *script) separately(nodes ...*pg_query.Node) *script {
	if !s.inTx {
		return s.add(nodes...)
	}
	if !s.later {
		s.comment("in a later migration, after this one has committed:")
		s.later = true
	}
	return s.commented(nodes...)
}

// outsideTx appends statements PostgreSQL refuses inside a transaction
// block (the CONCURRENTLY forms). Outside a transaction they are written as
// SQL; inside one they are written as comments under a heading asking for a
// migration of their own.
func (s *script) outsideTx(nodes ...*pg_query.Node) *script {
	if !s.inTx {
		return s.add(nodes...)
	}
	s.comment("in a migration of its own, outside any transaction:")
	return s.commented(nodes...)
}

// render deparses one statement node; a node the deparser rejects is
// rendered as a comment saying so, which still parses.
func (s *script) render(n *pg_query.Node) string {
	sql, err := s.st.Deparse(n)
	if err != nil {
		return "-- (statement could not be rendered: " + strings.ReplaceAll(err.Error(), "\n", " ") + ")"
	}
	return sql
}

// String returns the safe SQL, one statement or comment per line.
func (s *script) String() string { return strings.Join(s.lines, "\n") }

// alterNode builds ALTER TABLE rel with the given commands.
func alterNode(rel *pg_query.RangeVar, cmds ...*pg_query.AlterTableCmd) *pg_query.Node {
	at := &pg_query.AlterTableStmt{
		Relation: proto.Clone(rel).(*pg_query.RangeVar),
		Objtype:  pg_query.ObjectType_OBJECT_TABLE,
	}
	for _, cmd := range cmds {
		at.Cmds = append(at.Cmds, &pg_query.Node{Node: &pg_query.Node_AlterTableCmd{AlterTableCmd: cmd}})
	}
	return &pg_query.Node{Node: &pg_query.Node_AlterTableStmt{AlterTableStmt: at}}
}

// editAlter clones an ALTER TABLE and passes each command to fix, which
// returns the commands to put in its place (the command itself, edited or
// not, or nothing to drop it). It returns nil when no command is left.
func editAlter(at *pg_query.AlterTableStmt, fix func(*pg_query.AlterTableCmd) []*pg_query.AlterTableCmd) *pg_query.Node {
	out := proto.Clone(at).(*pg_query.AlterTableStmt)
	var cmds []*pg_query.Node
	for _, n := range out.Cmds {
		cmd := n.GetAlterTableCmd()
		if cmd == nil {
			cmds = append(cmds, n)
			continue
		}
		for _, c := range fix(cmd) {
			cmds = append(cmds, &pg_query.Node{Node: &pg_query.Node_AlterTableCmd{AlterTableCmd: c}})
		}
	}
	if len(cmds) == 0 {
		return nil
	}
	out.Cmds = cmds
	return &pg_query.Node{Node: &pg_query.Node_AlterTableStmt{AlterTableStmt: out}}
}

// cmd builds an ALTER TABLE subcommand.
func cmd(t pg_query.AlterTableType, name string, def *pg_query.Node) *pg_query.AlterTableCmd {
	return &pg_query.AlterTableCmd{Subtype: t, Name: name, Def: def, Behavior: pg_query.DropBehavior_DROP_RESTRICT}
}

// addConstraintCmd builds ADD CONSTRAINT.
func addConstraintCmd(con *pg_query.Constraint) *pg_query.AlterTableCmd {
	return cmd(pg_query.AlterTableType_AT_AddConstraint, "", &pg_query.Node{Node: &pg_query.Node_Constraint{Constraint: con}})
}

// addColumnCmd builds ADD COLUMN.
func addColumnCmd(cd *pg_query.ColumnDef) *pg_query.AlterTableCmd {
	return cmd(pg_query.AlterTableType_AT_AddColumn, "", &pg_query.Node{Node: &pg_query.Node_ColumnDef{ColumnDef: cd}})
}

// validateCmd builds VALIDATE CONSTRAINT name.
func validateCmd(name string) *pg_query.AlterTableCmd {
	return cmd(pg_query.AlterTableType_AT_ValidateConstraint, name, nil)
}

// dropConstraintCmd builds DROP CONSTRAINT IF EXISTS name.
func dropConstraintCmd(name string) *pg_query.AlterTableCmd {
	c := cmd(pg_query.AlterTableType_AT_DropConstraint, name, nil)
	c.MissingOk = true
	return c
}

// notNullCheck builds CHECK (col IS NOT NULL) NOT VALID named name.
func notNullCheck(name, col string) *pg_query.Constraint {
	test := &pg_query.NullTest{
		Arg:          &pg_query.Node{Node: &pg_query.Node_ColumnRef{ColumnRef: &pg_query.ColumnRef{Fields: stringNodes(col)}}},
		Nulltesttype: pg_query.NullTestType_IS_NOT_NULL,
	}
	return &pg_query.Constraint{
		Contype:        pg_query.ConstrType_CONSTR_CHECK,
		Conname:        name,
		RawExpr:        &pg_query.Node{Node: &pg_query.Node_NullTest{NullTest: test}},
		SkipValidation: true,
	}
}

// uniqueIndexNode builds CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS name
// ON rel (cols) INCLUDE (include) [NULLS NOT DISTINCT].
func uniqueIndexNode(rel *pg_query.RangeVar, name string, cols, include []string, nullsNotDistinct bool) *pg_query.Node {
	elems := func(cs []string) []*pg_query.Node {
		var out []*pg_query.Node
		for _, c := range cs {
			out = append(out, &pg_query.Node{Node: &pg_query.Node_IndexElem{IndexElem: &pg_query.IndexElem{
				Name: c, Ordering: pg_query.SortByDir_SORTBY_DEFAULT, NullsOrdering: pg_query.SortByNulls_SORTBY_NULLS_DEFAULT,
			}}})
		}
		return out
	}
	ix := &pg_query.IndexStmt{
		Idxname: name, Relation: proto.Clone(rel).(*pg_query.RangeVar), AccessMethod: "btree",
		IndexParams: elems(cols), IndexIncludingParams: elems(include),
		Unique: true, NullsNotDistinct: nullsNotDistinct, Concurrent: true, IfNotExists: true,
	}
	return &pg_query.Node{Node: &pg_query.Node_IndexStmt{IndexStmt: ix}}
}

// objectName builds a PostgreSQL-style object name from a table, columns
// and a suffix ("orders_customer_id_fkey"), cut to the 63 bytes PostgreSQL
// keeps by shortening the table and column part.
func objectName(table string, cols []string, suffix string) string {
	base := schema.ParseQualifiedName(table).Name
	if len(cols) > 0 {
		base += "_" + strings.Join(cols, "_")
	}
	const maxLen = 63
	if room := maxLen - len(suffix) - 1; len(base) > room {
		base = strings.ToValidUTF8(base[:max(room, 1)], "")
	}
	return base + "_" + suffix
}

// statementSQL returns the reviewed statement's own text as a statement.
func statementSQL(st schema.Statement) string { return st.Text + ";" }
