package schema

import (
	"fmt"
	"slices"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgrollout/pgrollout/workflow"
)

// ApplyError is a statement the model cannot replay because it refers to
// something that does not exist or conflicts with what does — the cases in
// which PostgreSQL would reject it too.
type ApplyError struct {
	Pos  workflow.Position
	Kind string
	Err  error
}

// Error renders FILE:LINE:COL: KIND: reason.
func (e *ApplyError) Error() string {
	where := e.Pos.String()
	if e.Pos.File == "" && e.Pos.Line > 0 {
		where = fmt.Sprintf("%d:%d", e.Pos.Line, e.Pos.Column)
	}
	if where == "" {
		return fmt.Sprintf("%s: %v", e.Kind, e.Err)
	}
	return fmt.Sprintf("%s: %s: %v", where, e.Kind, e.Err)
}

// Unwrap returns the reason.
func (e *ApplyError) Unwrap() error { return e.Err }

// Build replays statements in order into a new model. It stops at the first
// statement the model cannot apply and returns its *ApplyError.
func Build(stmts []Statement) (*Model, error) {
	m := &Model{}
	for _, st := range stmts {
		if err := m.Apply(st); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Apply replays one statement into the model. It handles CREATE TABLE
// (with PARTITION BY, PARTITION OF and INHERITS), ALTER TABLE (ADD/DROP
// COLUMN, ADD/DROP/VALIDATE CONSTRAINT, ALTER COLUMN SET/DROP NOT NULL,
// SET/DROP DEFAULT, TYPE, ADD/DROP IDENTITY, ATTACH/DETACH PARTITION,
// [NO] INHERIT), RENAME of tables, columns, indexes and constraints,
// CREATE [UNIQUE] INDEX, DROP TABLE/INDEX/TYPE/SCHEMA, CREATE SCHEMA and
// CREATE/ALTER TYPE ... AS ENUM.
// Other statements (DML, transaction control, views, functions, grants ...)
// leave the model unchanged and are not errors. A statement that conflicts
// with the model returns an *ApplyError and leaves the model as it was.
//
// On success, pointers into the model (tables, columns, indexes, enums) stay
// valid; after a failure the model is restored from a copy, so pointers taken
// before the call must be looked up again.
func (m *Model) Apply(st Statement) error {
	before := m.clone()
	a := applier{m: m, version: st.version}
	if err := a.apply(st.Node); err != nil {
		*m = *before
		return &ApplyError{Pos: st.Pos, Kind: st.Kind, Err: err}
	}
	return nil
}

// ApplyPartial replays one statement like Apply, but without the safety
// copy: when the statement conflicts with the model, the parts applied before
// the conflict stay. It costs nothing per statement, where Apply copies the
// whole model; the review, which follows what it can of long migrations,
// uses it.
func (m *Model) ApplyPartial(st Statement) error {
	a := applier{m: m, version: st.version}
	if err := a.apply(st.Node); err != nil {
		return &ApplyError{Pos: st.Pos, Kind: st.Kind, Err: err}
	}
	return nil
}

// applier replays statements into m; version is the parse tree version used
// to deparse expressions.
type applier struct {
	m       *Model
	version int32
}

func (a applier) apply(n *pg_query.Node) error {
	switch s := n.GetNode().(type) {
	case *pg_query.Node_CreateStmt:
		return a.createTable(s.CreateStmt)
	case *pg_query.Node_AlterTableStmt:
		if s.AlterTableStmt.Objtype != pg_query.ObjectType_OBJECT_TABLE {
			return nil
		}
		return a.alterTable(s.AlterTableStmt)
	case *pg_query.Node_IndexStmt:
		return a.createIndex(s.IndexStmt)
	case *pg_query.Node_DropStmt:
		return a.drop(s.DropStmt)
	case *pg_query.Node_RenameStmt:
		return a.rename(s.RenameStmt)
	case *pg_query.Node_CreateEnumStmt:
		return a.createEnum(s.CreateEnumStmt)
	case *pg_query.Node_AlterEnumStmt:
		return a.alterEnum(s.AlterEnumStmt)
	case *pg_query.Node_CreateSchemaStmt:
		return a.createSchema(s.CreateSchemaStmt)
	}
	return nil
}

// expr deparses an expression node.
func (a applier) expr(n *pg_query.Node) (string, error) {
	return deparseExpr(n, a.version)
}

// relationExists reports whether a table, an index or a constraint-backed
// index (primary key, unique) already uses name in the schema.
func (a applier) relationExists(schema, name string) bool {
	q := QualifiedName{Schema: schema, Name: name}
	if a.m.table(q) != nil || a.m.index(q) != nil {
		return true
	}
	for _, t := range a.m.Tables {
		if schemaKey(t.Schema) == schemaKey(schema) && t.indexConstraint(name) {
			return true
		}
	}
	return false
}

// indexConstraint reports whether name is the table's primary key or one of
// its unique constraints, which PostgreSQL backs with an index of that name.
func (t *Table) indexConstraint(name string) bool {
	if t.PrimaryKey != nil && t.PrimaryKey.Name == name {
		return true
	}
	return slices.ContainsFunc(t.Uniques, func(u Unique) bool { return u.Name == name })
}

func qualified(rv *pg_query.RangeVar) QualifiedName {
	return QualifiedName{Schema: rv.GetSchemaname(), Name: rv.GetRelname()}
}

// tableOf finds the table a statement works on.
func (a applier) tableOf(rv *pg_query.RangeVar) (*Table, error) {
	q := qualified(rv)
	if t := a.m.table(q); t != nil {
		return t, nil
	}
	return nil, fmt.Errorf("relation %q does not exist", q)
}

// checkColumns reports the first of cols the table lacks.
func checkColumns(t *Table, cols []string) error {
	for _, c := range cols {
		if t.Column(c) == nil {
			return fmt.Errorf("column %q of relation %q does not exist", c, t)
		}
	}
	return nil
}
