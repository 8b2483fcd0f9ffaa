package schema

import (
	"fmt"
	"slices"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// columnConstraint is a constraint written on a column (REFERENCES,
// PRIMARY KEY, UNIQUE, CHECK), applied once all columns exist.
type columnConstraint struct {
	con    *pg_query.Constraint
	column string
}

// createTable handles CREATE TABLE: the link to the parent of a PARTITION
// OF or the parents of INHERITS and the columns taken from them, the
// table's own columns with their inline constraints, table constraints, and
// the partition key of PARTITION BY. LIKE clauses are ignored.
func (a applier) createTable(cs *pg_query.CreateStmt) error {
	q := qualified(cs.Relation)
	if a.relationExists(q.Schema, q.Name) {
		if cs.IfNotExists {
			return nil
		}
		return fmt.Errorf("relation %q already exists", q)
	}
	t := &Table{Schema: q.Schema, Name: q.Name}
	inherited, err := a.parentColumns(t, cs)
	if err != nil {
		return err
	}
	a.m.Tables = append(a.m.Tables, t)
	var cons []columnConstraint
	for _, elt := range cs.TableElts {
		switch e := elt.Node.(type) {
		case *pg_query.Node_ColumnDef:
			colCons, err := a.tableColumn(t, e.ColumnDef, inherited)
			if err != nil {
				return err
			}
			cons = append(cons, colCons...)
		case *pg_query.Node_Constraint:
			cons = append(cons, columnConstraint{con: e.Constraint})
		}
	}
	for _, c := range cs.Constraints {
		if con := c.GetConstraint(); con != nil {
			cons = append(cons, columnConstraint{con: con})
		}
	}
	if err := a.addConstraints(t, cons); err != nil {
		return err
	}
	return a.partitionBy(t, cs.Partspec)
}

// addConstraints adds constraints in the order PostgreSQL creates them:
// primary key and unique constraints, then checks, then foreign keys (so a
// foreign key can reference the table's own key).
func (a applier) addConstraints(t *Table, cons []columnConstraint) error {
	rank := func(c columnConstraint) int {
		switch c.con.Contype {
		case pg_query.ConstrType_CONSTR_PRIMARY, pg_query.ConstrType_CONSTR_UNIQUE:
			return 0
		case pg_query.ConstrType_CONSTR_CHECK:
			return 1
		}
		return 2
	}
	ordered := slices.Clone(cons)
	slices.SortStableFunc(ordered, func(x, y columnConstraint) int { return rank(x) - rank(y) })
	for _, c := range ordered {
		if err := a.addConstraint(t, c.con, c.column); err != nil {
			return err
		}
	}
	return nil
}

// addColumn appends a column and returns its inline constraints that need
// the whole table (keys, references, checks).
func (a applier) addColumn(t *Table, cd *pg_query.ColumnDef) ([]columnConstraint, error) {
	col := &Column{Name: cd.Colname, Type: typeString(cd.TypeName), NotNull: cd.IsNotNull}
	switch col.Type {
	case "smallserial", "serial", "bigserial", "serial2", "serial4", "serial8":
		col.NotNull = true
	}
	rest, err := a.columnOptions(col, cd)
	if err != nil {
		return nil, err
	}
	t.Columns = append(t.Columns, col)
	return rest, nil
}

// columnOptions applies what a column definition says beyond its type
// (default, NOT NULL, identity, generation) to col and returns its inline
// constraints that need the whole table (keys, references, checks).
func (a applier) columnOptions(col *Column, cd *pg_query.ColumnDef) ([]columnConstraint, error) {
	if cd.RawDefault != nil {
		d, err := a.expr(cd.RawDefault)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", cd.Colname, err)
		}
		col.Default = d
	}
	var rest []columnConstraint
	for _, n := range cd.Constraints {
		con := n.GetConstraint()
		if con == nil {
			continue
		}
		switch con.Contype {
		case pg_query.ConstrType_CONSTR_NOTNULL:
			col.NotNull = true
		case pg_query.ConstrType_CONSTR_NULL:
			col.NotNull = false
		case pg_query.ConstrType_CONSTR_DEFAULT:
			d, err := a.expr(con.RawExpr)
			if err != nil {
				return nil, fmt.Errorf("column %q: %w", cd.Colname, err)
			}
			col.Default = d
		case pg_query.ConstrType_CONSTR_IDENTITY:
			col.Identity, col.NotNull = identityKind(con.GeneratedWhen), true
		case pg_query.ConstrType_CONSTR_GENERATED:
			g, err := a.expr(con.RawExpr)
			if err != nil {
				return nil, fmt.Errorf("column %q: %w", cd.Colname, err)
			}
			col.Generated = g
		case pg_query.ConstrType_CONSTR_PRIMARY, pg_query.ConstrType_CONSTR_UNIQUE,
			pg_query.ConstrType_CONSTR_FOREIGN, pg_query.ConstrType_CONSTR_CHECK:
			rest = append(rest, columnConstraint{con: con, column: cd.Colname})
		}
	}
	return rest, nil
}

func identityKind(when string) string {
	if when == "a" {
		return "always"
	}
	return "by default"
}

// addConstraint adds a PRIMARY KEY, UNIQUE, FOREIGN KEY or CHECK constraint;
// column is set for a constraint written on a column. Other constraint kinds
// (EXCLUDE, deferrability attributes) are ignored.
func (a applier) addConstraint(t *Table, con *pg_query.Constraint, column string) error {
	if con.Conname != "" && slices.Contains(t.ConstraintNames(), con.Conname) {
		return fmt.Errorf("constraint %q for relation %q already exists", con.Conname, t)
	}
	switch con.Contype {
	case pg_query.ConstrType_CONSTR_PRIMARY:
		return a.addPrimaryKey(t, con, column)
	case pg_query.ConstrType_CONSTR_UNIQUE:
		return a.addUnique(t, con, column)
	case pg_query.ConstrType_CONSTR_FOREIGN:
		return a.addForeignKey(t, con, column)
	case pg_query.ConstrType_CONSTR_CHECK:
		return a.addCheck(t, con)
	}
	return nil
}

// keyColumns returns the columns of a primary key or unique constraint and
// the index it takes over (USING INDEX), checking both.
func (a applier) keyColumns(t *Table, con *pg_query.Constraint, column string) ([]string, *Index, error) {
	if con.Indexname != "" {
		ix, err := a.usableIndex(t, con.Indexname)
		if err != nil {
			return nil, nil, err
		}
		cols, _ := ix.Columns()
		return cols, ix, nil
	}
	cols := stringList(con.Keys)
	if column != "" {
		cols = []string{column}
	}
	return cols, nil, checkColumns(t, cols)
}

// usableIndex checks that an index can back a constraint (USING INDEX): it
// belongs to the table, is unique, plain-column, not partial, default order.
func (a applier) usableIndex(t *Table, name string) (*Index, error) {
	ix := a.m.index(QualifiedName{Schema: t.Schema, Name: name})
	switch {
	case ix == nil:
		return nil, fmt.Errorf("index %q does not exist", name)
	case !ix.Table.Is(t.QualifiedName()):
		return nil, fmt.Errorf("index %q does not belong to table %q", name, t)
	case !ix.Unique:
		return nil, fmt.Errorf("%q is not a unique index", name)
	case ix.Where != "":
		return nil, fmt.Errorf("%q is a partial index", name)
	}
	if _, ok := ix.Columns(); !ok {
		return nil, fmt.Errorf("index %q contains expressions", name)
	}
	for i, k := range ix.Keys {
		if k.Desc || k.Nulls != "" || k.Opclass != "" {
			return nil, fmt.Errorf("index %q column number %d does not have default sorting behavior", name, i+1)
		}
	}
	return ix, nil
}

// constraintName returns the written name or PostgreSQL's default, and
// checks that a key constraint's name (which names its index) is free.
func (a applier) constraintName(t *Table, con *pg_query.Constraint, cols []string, label string, ix *Index) (string, error) {
	name := con.Conname
	switch {
	case name == "" && ix != nil:
		return ix.Name, nil
	case name == "":
		return a.m.chooseName(t.Schema, t.Name, cols, label), nil
	case (label == "pkey" || label == "key") && (ix == nil || ix.Name != name) && a.relationExists(t.Schema, name):
		return "", fmt.Errorf("relation %q already exists", QualifiedName{Schema: t.Schema, Name: name})
	}
	return name, nil
}

func (a applier) addPrimaryKey(t *Table, con *pg_query.Constraint, column string) error {
	if t.PrimaryKey != nil {
		return fmt.Errorf("multiple primary keys for table %q are not allowed", t)
	}
	cols, ix, err := a.keyColumns(t, con, column)
	if err != nil {
		return err
	}
	name, err := a.constraintName(t, con, nil, "pkey", ix)
	if err != nil {
		return err
	}
	pk := &PrimaryKey{Name: name, Columns: cols}
	if ix != nil {
		pk.UsingIndex = ix.Name
		a.m.removeIndex(ix)
	}
	for _, c := range cols {
		t.Column(c).NotNull = true
	}
	t.PrimaryKey = pk
	return nil
}

func (a applier) addUnique(t *Table, con *pg_query.Constraint, column string) error {
	cols, ix, err := a.keyColumns(t, con, column)
	if err != nil {
		return err
	}
	name, err := a.constraintName(t, con, cols, "key", ix)
	if err != nil {
		return err
	}
	u := Unique{Name: name, Columns: cols, NullsNotDistinct: con.NullsNotDistinct}
	if ix != nil {
		u.UsingIndex, u.NullsNotDistinct = ix.Name, ix.NullsNotDistinct
		a.m.removeIndex(ix)
	}
	t.Uniques = append(t.Uniques, u)
	return nil
}

func (a applier) addForeignKey(t *Table, con *pg_query.Constraint, column string) error {
	cols := stringList(con.FkAttrs)
	if column != "" {
		cols = []string{column}
	}
	if err := checkColumns(t, cols); err != nil {
		return err
	}
	fk := ForeignKey{
		Columns:    cols,
		RefTable:   qualified(con.Pktable),
		RefColumns: stringList(con.PkAttrs),
		OnDelete:   fkAction(con.FkDelAction),
		OnUpdate:   fkAction(con.FkUpdAction),
		NotValid:   con.SkipValidation,
	}
	// A reference to a table the model does not hold is kept as written:
	// drafts may point at tables that live elsewhere.
	if ref := a.m.table(fk.RefTable); ref != nil {
		if len(fk.RefColumns) == 0 {
			if ref.PrimaryKey == nil {
				return fmt.Errorf("there is no primary key for referenced table %q", ref)
			}
			fk.RefColumns = slices.Clone(ref.PrimaryKey.Columns)
		}
		for _, c := range fk.RefColumns {
			if ref.Column(c) == nil {
				return fmt.Errorf("column %q referenced in foreign key constraint does not exist", c)
			}
		}
	}
	if len(fk.RefColumns) > 0 && len(fk.RefColumns) != len(cols) {
		return fmt.Errorf("number of referencing and referenced columns for foreign key disagree")
	}
	name, err := a.constraintName(t, con, cols, "fkey", nil)
	if err != nil {
		return err
	}
	fk.Name = name
	t.ForeignKeys = append(t.ForeignKeys, fk)
	return nil
}

func (a applier) addCheck(t *Table, con *pg_query.Constraint) error {
	text, err := a.expr(con.RawExpr)
	if err != nil {
		return fmt.Errorf("check constraint: %w", err)
	}
	refs := columnRefs(con.RawExpr)
	// PostgreSQL names a check after its column when it reads exactly one.
	var nameCols []string
	if len(refs) == 1 {
		nameCols = refs
	}
	name, err := a.constraintName(t, con, nameCols, "check", nil)
	if err != nil {
		return err
	}
	t.Checks = append(t.Checks, Check{Name: name, Expr: text, NotValid: con.SkipValidation, refs: refs})
	return nil
}

// removeIndex takes an index out of the model's list.
func (m *Model) removeIndex(ix *Index) {
	m.Indexes = slices.DeleteFunc(m.Indexes, func(x *Index) bool { return x == ix })
}
