package schema

import "slices"

// clone returns a deep copy of the model, so that a statement can be applied
// to the copy and thrown away when it fails.
func (m *Model) clone() *Model {
	c := &Model{Schemas: slices.Clone(m.Schemas)}
	for _, t := range m.Tables {
		c.Tables = append(c.Tables, t.clone())
	}
	for _, ix := range m.Indexes {
		c.Indexes = append(c.Indexes, ix.clone())
	}
	for _, e := range m.Enums {
		ce := *e
		ce.Values = slices.Clone(e.Values)
		c.Enums = append(c.Enums, &ce)
	}
	return c
}

func (t *Table) clone() *Table {
	c := *t
	c.Columns = make([]*Column, len(t.Columns))
	for i, col := range t.Columns {
		cc := *col
		c.Columns[i] = &cc
	}
	if t.PrimaryKey != nil {
		pk := *t.PrimaryKey
		pk.Columns = slices.Clone(pk.Columns)
		c.PrimaryKey = &pk
	}
	c.Uniques = slices.Clone(t.Uniques)
	for i := range c.Uniques {
		c.Uniques[i].Columns = slices.Clone(c.Uniques[i].Columns)
	}
	c.ForeignKeys = slices.Clone(t.ForeignKeys)
	for i := range c.ForeignKeys {
		c.ForeignKeys[i].Columns = slices.Clone(c.ForeignKeys[i].Columns)
		c.ForeignKeys[i].RefColumns = slices.Clone(c.ForeignKeys[i].RefColumns)
	}
	c.Checks = slices.Clone(t.Checks)
	for i := range c.Checks {
		c.Checks[i].refs = slices.Clone(c.Checks[i].refs)
	}
	if t.PartitionBy != nil {
		p := *t.PartitionBy
		p.Keys = slices.Clone(p.Keys)
		p.refs = slices.Clone(p.refs)
		c.PartitionBy = &p
	}
	c.Inherits = slices.Clone(t.Inherits)
	return &c
}

func (ix *Index) clone() *Index {
	c := *ix
	c.Keys = slices.Clone(ix.Keys)
	c.Include = slices.Clone(ix.Include)
	c.refs = slices.Clone(ix.refs)
	return &c
}
