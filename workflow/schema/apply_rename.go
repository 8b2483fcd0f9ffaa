package schema

import (
	"fmt"
	"slices"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// rename handles ALTER TABLE RENAME [TO | COLUMN | CONSTRAINT] and ALTER
// INDEX RENAME. Expression texts (defaults, checks, index predicates) are
// kept as written and not rewritten for a renamed column.
func (a applier) rename(r *pg_query.RenameStmt) error {
	switch r.RenameType {
	case pg_query.ObjectType_OBJECT_TABLE:
		return a.renameTable(r)
	case pg_query.ObjectType_OBJECT_COLUMN:
		if r.RelationType != pg_query.ObjectType_OBJECT_TABLE {
			return nil
		}
		return a.withTable(r, func(t *Table) error {
			return a.renameColumnTree(t, r.Subname, r.Newname, r.Relation.GetInh())
		})
	case pg_query.ObjectType_OBJECT_TABCONSTRAINT:
		return a.withTable(r, func(t *Table) error { return a.renameConstraint(t, r.Subname, r.Newname) })
	case pg_query.ObjectType_OBJECT_INDEX:
		return a.renameIndex(qualified(r.Relation), r.Newname, r.MissingOk)
	}
	return nil
}

// withTable runs fn on the statement's table, honouring IF EXISTS.
func (a applier) withTable(r *pg_query.RenameStmt, fn func(*Table) error) error {
	t := a.m.table(qualified(r.Relation))
	if t == nil {
		if r.MissingOk {
			return nil
		}
		return fmt.Errorf("relation %q does not exist", qualified(r.Relation))
	}
	return fn(t)
}

func (a applier) renameTable(r *pg_query.RenameStmt) error {
	return a.withTable(r, func(t *Table) error {
		if a.relationExists(t.Schema, r.Newname) {
			return fmt.Errorf("relation %q already exists", QualifiedName{Schema: t.Schema, Name: r.Newname})
		}
		old := t.QualifiedName()
		for _, from := range a.m.Tables {
			for i := range from.ForeignKeys {
				if from.ForeignKeys[i].RefTable.Is(old) {
					from.ForeignKeys[i].RefTable.Name = r.Newname
				}
			}
			if from.IsPartition() && from.PartitionOf.Is(old) {
				from.PartitionOf.Name = r.Newname
			}
			for i := range from.Inherits {
				if from.Inherits[i].Is(old) {
					from.Inherits[i].Name = r.Newname
				}
			}
		}
		for _, ix := range a.m.Indexes {
			if ix.Table.Is(old) {
				ix.Table.Name = r.Newname
			}
		}
		t.Name = r.Newname
		return nil
	})
}

// renameColumn renames a column and every reference to it by name: keys,
// foreign keys on both sides, index keys and INCLUDE lists, partition key
// columns.
func (a applier) renameColumn(t *Table, from, to string) error {
	col := t.Column(from)
	switch {
	case col == nil:
		return fmt.Errorf("column %q of relation %q does not exist", from, t)
	case t.Column(to) != nil:
		return fmt.Errorf("column %q of relation %q already exists", to, t)
	}
	col.Name = to
	swap := func(cols []string) {
		for i, c := range cols {
			if c == from {
				cols[i] = to
			}
		}
	}
	if t.PrimaryKey != nil {
		swap(t.PrimaryKey.Columns)
	}
	for _, u := range t.Uniques {
		swap(u.Columns)
	}
	for _, fk := range t.ForeignKeys {
		swap(fk.Columns)
	}
	for _, c := range t.Checks {
		swap(c.refs)
	}
	if p := t.PartitionBy; p != nil {
		for i := range p.Keys {
			if p.Keys[i].Column == from {
				p.Keys[i].Column = to
			}
		}
		swap(p.refs)
		slices.Sort(p.refs)
	}
	for _, other := range a.m.Tables {
		for _, fk := range other.ForeignKeys {
			if fk.RefTable.Is(t.QualifiedName()) {
				swap(fk.RefColumns)
			}
		}
	}
	for _, ix := range a.m.Indexes {
		if !ix.Table.Is(t.QualifiedName()) {
			continue
		}
		for i := range ix.Keys {
			if ix.Keys[i].Column == from {
				ix.Keys[i].Column = to
			}
		}
		swap(ix.Include)
		swap(ix.refs)
	}
	return nil
}

func (a applier) renameConstraint(t *Table, from, to string) error {
	switch {
	case !slices.Contains(t.ConstraintNames(), from):
		return fmt.Errorf("constraint %q for table %q does not exist", from, t)
	case slices.Contains(t.ConstraintNames(), to):
		return fmt.Errorf("constraint %q for relation %q already exists", to, t)
	case t.indexConstraint(from) && a.relationExists(t.Schema, to):
		return fmt.Errorf("relation %q already exists", QualifiedName{Schema: t.Schema, Name: to})
	}
	t.renameConstraint(from, to)
	return nil
}

// renameConstraint renames the constraint called from, whatever its kind.
func (t *Table) renameConstraint(from, to string) {
	if t.PrimaryKey != nil && t.PrimaryKey.Name == from {
		t.PrimaryKey.Name = to
	}
	for i := range t.Uniques {
		if t.Uniques[i].Name == from {
			t.Uniques[i].Name = to
		}
	}
	for i := range t.ForeignKeys {
		if t.ForeignKeys[i].Name == from {
			t.ForeignKeys[i].Name = to
		}
	}
	for i := range t.Checks {
		if t.Checks[i].Name == from {
			t.Checks[i].Name = to
		}
	}
}

// renameIndex renames an index; renaming the index of a primary key or
// unique constraint renames the constraint, as in PostgreSQL.
func (a applier) renameIndex(q QualifiedName, to string, missingOk bool) error {
	ix := a.m.index(q)
	var owner *Table
	if ix == nil {
		for _, t := range a.m.Tables {
			if schemaKey(t.Schema) == schemaKey(q.Schema) && t.indexConstraint(q.Name) {
				owner = t
			}
		}
	}
	switch {
	case ix == nil && owner == nil && missingOk:
		return nil
	case ix == nil && owner == nil:
		return fmt.Errorf("relation %q does not exist", q)
	case a.relationExists(q.Schema, to):
		return fmt.Errorf("relation %q already exists", QualifiedName{Schema: q.Schema, Name: to})
	case ix != nil:
		ix.Name = to
	default:
		owner.renameConstraint(q.Name, to)
	}
	return nil
}
