package schema

import (
	"fmt"
	"slices"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// drop handles DROP TABLE, DROP INDEX, DROP TYPE and DROP SCHEMA; other
// object kinds are ignored.
func (a applier) drop(d *pg_query.DropStmt) error {
	var going []*Table // tables this statement drops
	if d.RemoveType == pg_query.ObjectType_OBJECT_TABLE {
		for _, obj := range d.Objects {
			if t := a.m.table(ParseQualifiedName(objectName(obj))); t != nil {
				going = append(going, t)
			}
		}
	}
	for _, obj := range d.Objects {
		q := ParseQualifiedName(objectName(obj))
		var err error
		switch d.RemoveType {
		case pg_query.ObjectType_OBJECT_TABLE:
			// A partition listed after its parent has gone with it.
			gone := a.m.table(q) == nil && slices.ContainsFunc(going, func(t *Table) bool { return t.QualifiedName().Is(q) })
			err = a.dropTable(q, d.MissingOk || gone, cascades(d.Behavior), going...)
		case pg_query.ObjectType_OBJECT_INDEX:
			err = a.dropIndex(q, d.MissingOk)
		case pg_query.ObjectType_OBJECT_TYPE:
			err = a.dropType(q, d.MissingOk, cascades(d.Behavior))
		case pg_query.ObjectType_OBJECT_SCHEMA:
			err = a.dropSchema(q.Name, d.MissingOk, cascades(d.Behavior))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// dropTable removes a table with its indexes and partitions; tables
// inheriting from it block the drop unless cascade is set, in which case
// they go too. Other tables' foreign keys to them block the drop unless
// cascade is set, in which case they go; tables in going are dropped by the
// same statement and do not block.
func (a applier) dropTable(q QualifiedName, missingOk, cascade bool, going ...*Table) error {
	t := a.m.table(q)
	if t == nil {
		if missingOk {
			return nil
		}
		return fmt.Errorf("table %q does not exist", q)
	}
	tree, err := a.dropTree(t, cascade)
	if err != nil {
		return err
	}
	going = append(slices.Clone(going), tree...)
	all := func([]string) bool { return true }
	for _, x := range tree {
		if err := a.dropReferences(x, cascade, all, "table "+x.String(), going...); err != nil {
			return err
		}
	}
	for _, x := range tree {
		a.m.Indexes = slices.DeleteFunc(a.m.Indexes, func(ix *Index) bool { return ix.Table.Is(x.QualifiedName()) })
	}
	a.m.Tables = slices.DeleteFunc(a.m.Tables, func(x *Table) bool { return slices.Contains(tree, x) })
	return nil
}

func (a applier) dropIndex(q QualifiedName, missingOk bool) error {
	if ix := a.m.index(q); ix != nil {
		a.m.removeIndex(ix)
		return nil
	}
	for _, t := range a.m.Tables {
		if schemaKey(t.Schema) == schemaKey(q.Schema) && t.indexConstraint(q.Name) {
			return fmt.Errorf("cannot drop index %s because constraint %s on table %s requires it", q, q.Name, t)
		}
	}
	if missingOk {
		return nil
	}
	return fmt.Errorf("index %q does not exist", q)
}

// dropType removes an enum type. Columns of that type block the drop unless
// cascade is set, in which case they are dropped too.
func (a applier) dropType(q QualifiedName, missingOk, cascade bool) error {
	e := a.m.enum(q)
	if e == nil {
		if missingOk {
			return nil
		}
		return fmt.Errorf("type %q does not exist", q)
	}
	for _, t := range a.m.Tables {
		for _, c := range slices.Clone(t.Columns) {
			if !e.QualifiedName().Is(ParseQualifiedName(baseType(c.Type))) {
				continue
			}
			if !cascade {
				return fmt.Errorf("cannot drop type %s because column %s of table %s depends on it", q, c.Name, t)
			}
			if err := a.dropColumn(t, c.Name, false, true); err != nil {
				return err
			}
		}
	}
	a.m.Enums = slices.DeleteFunc(a.m.Enums, func(x *Enum) bool { return x == e })
	return nil
}

// baseType strips array bounds from a rendered type: "app.status[]" -> "app.status".
func baseType(t string) string {
	for len(t) > 0 && t[len(t)-1] == ']' {
		i := len(t) - 1
		for i > 0 && t[i] != '[' {
			i--
		}
		t = t[:i]
	}
	return t
}

// dropSchema removes a schema. Objects in it block the drop unless cascade
// is set, in which case they are dropped too.
func (a applier) dropSchema(name string, missingOk, cascade bool) error {
	in := func(s string) bool { return schemaKey(s) == name }
	hasObjects := slices.ContainsFunc(a.m.Tables, func(t *Table) bool { return in(t.Schema) }) ||
		slices.ContainsFunc(a.m.Enums, func(e *Enum) bool { return in(e.Schema) })
	switch {
	case !slices.Contains(a.m.Schemas, name) && !hasObjects:
		if missingOk {
			return nil
		}
		return fmt.Errorf("schema %q does not exist", name)
	case hasObjects && !cascade:
		return fmt.Errorf("cannot drop schema %s because other objects depend on it", name)
	}
	for _, t := range slices.Clone(a.m.Tables) {
		if in(t.Schema) { // missing when it went with its parent
			if err := a.dropTable(t.QualifiedName(), true, true); err != nil {
				return err
			}
		}
	}
	for _, e := range slices.Clone(a.m.Enums) {
		if in(e.Schema) {
			if err := a.dropType(e.QualifiedName(), false, true); err != nil {
				return err
			}
		}
	}
	a.m.Schemas = slices.DeleteFunc(a.m.Schemas, func(s string) bool { return s == name })
	return nil
}

func (a applier) createSchema(cs *pg_query.CreateSchemaStmt) error {
	if slices.Contains(a.m.Schemas, cs.Schemaname) {
		if cs.IfNotExists {
			return nil
		}
		return fmt.Errorf("schema %q already exists", cs.Schemaname)
	}
	a.m.Schemas = append(a.m.Schemas, cs.Schemaname)
	return nil
}

func (a applier) createEnum(ce *pg_query.CreateEnumStmt) error {
	q := ParseQualifiedName(nameList(ce.TypeName))
	if a.m.enum(q) != nil {
		return fmt.Errorf("type %q already exists", q)
	}
	a.m.Enums = append(a.m.Enums, &Enum{Schema: q.Schema, Name: q.Name, Values: stringList(ce.Vals)})
	return nil
}

// alterEnum handles ALTER TYPE ... ADD VALUE [IF NOT EXISTS] [BEFORE|AFTER]
// and RENAME VALUE.
func (a applier) alterEnum(ae *pg_query.AlterEnumStmt) error {
	q := ParseQualifiedName(nameList(ae.TypeName))
	e := a.m.enum(q)
	if e == nil {
		return fmt.Errorf("type %q does not exist", q)
	}
	if ae.OldVal != "" {
		i := slices.Index(e.Values, ae.OldVal)
		switch {
		case i < 0:
			return fmt.Errorf("%q is not an existing enum label", ae.OldVal)
		case slices.Contains(e.Values, ae.NewVal):
			return fmt.Errorf("enum label %q already exists", ae.NewVal)
		}
		e.Values[i] = ae.NewVal
		return nil
	}
	if slices.Contains(e.Values, ae.NewVal) {
		if ae.SkipIfNewValExists {
			return nil
		}
		return fmt.Errorf("enum label %q already exists", ae.NewVal)
	}
	at := len(e.Values)
	if ae.NewValNeighbor != "" {
		at = slices.Index(e.Values, ae.NewValNeighbor)
		if at < 0 {
			return fmt.Errorf("%q is not an existing enum label", ae.NewValNeighbor)
		}
		if ae.NewValIsAfter {
			at++
		}
	}
	e.Values = slices.Insert(e.Values, at, ae.NewVal)
	return nil
}
