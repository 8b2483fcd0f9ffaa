package schema

import "strings"

// PartitionBy is the partitioning of a partitioned table: how PARTITION BY
// splits its rows between partitions.
type PartitionBy struct {
	// Strategy is "RANGE", "LIST" or "HASH".
	Strategy string
	// Keys are the partition key columns and expressions, in order.
	Keys []PartitionKey

	refs []string // columns the keys read, sorted
}

// String renders the partitioning as written after PARTITION BY:
// "RANGE (created_at)", "LIST ((lower(region)))", "HASH (id)".
func (p *PartitionBy) String() string {
	keys := make([]string, len(p.Keys))
	for i, k := range p.Keys {
		keys[i] = k.String()
	}
	return p.Strategy + " (" + strings.Join(keys, ", ") + ")"
}

// Columns returns the key columns in order, with "" for an expression key.
func (p *PartitionBy) Columns() []string {
	cols := make([]string, len(p.Keys))
	for i, k := range p.Keys {
		cols[i] = k.Column
	}
	return cols
}

// PartitionKey is one key of a partitioning: a column or an expression.
type PartitionKey struct {
	// Column is the key column; empty for an expression key.
	Column string
	// Expr is the deparsed key expression; empty for a column key.
	Expr string
	// Collation and Opclass are as written; empty for the defaults.
	Collation string
	Opclass   string
}

// String renders the key as in PARTITION BY: "created_at",
// "(lower(region)) COLLATE \"C\"".
func (k PartitionKey) String() string {
	s := k.Column
	if s == "" {
		s = "(" + k.Expr + ")"
	}
	if k.Collation != "" {
		s += " COLLATE " + quoteName(k.Collation)
	}
	if k.Opclass != "" {
		s += " " + k.Opclass
	}
	return s
}

// quoteName double-quotes each part of a dotted name unless it is a plain
// lower-case identifier.
func quoteName(name string) string {
	parts := strings.Split(name, ".")
	for i, p := range parts {
		plain := p != ""
		for j, r := range p {
			if !(r >= 'a' && r <= 'z' || r == '_' || j > 0 && (r >= '0' && r <= '9' || r == '$')) {
				plain = false
			}
		}
		if !plain {
			parts[i] = `"` + strings.ReplaceAll(p, `"`, `""`) + `"`
		}
	}
	return strings.Join(parts, ".")
}

// Partitioned reports whether the table is partitioned (PARTITION BY).
func (t *Table) Partitioned() bool { return t.PartitionBy != nil }

// IsPartition reports whether the table is a partition of another.
func (t *Table) IsPartition() bool { return t.PartitionOf.Name != "" }

// PartitionsOf returns the partitions of a partitioned table, in model
// order (the order in which the tables were created, not attached).
// Partitions of those partitions are not included: see PartitionsOf on them.
func (m *Model) PartitionsOf(t *Table) []*Table {
	var out []*Table
	for _, x := range m.Tables {
		if x.IsPartition() && x.PartitionOf.Is(t.QualifiedName()) {
			out = append(out, x)
		}
	}
	return out
}

// ParentOf returns the partitioned table that t is a partition of, or nil.
func (m *Model) ParentOf(t *Table) *Table {
	if !t.IsPartition() {
		return nil
	}
	return m.table(t.PartitionOf)
}

// InheritorsOf returns the tables that inherit from t (INHERITS), in model
// order.
func (m *Model) InheritorsOf(t *Table) []*Table {
	var out []*Table
	for _, x := range m.Tables {
		for _, p := range x.Inherits {
			if p.Is(t.QualifiedName()) {
				out = append(out, x)
				break
			}
		}
	}
	return out
}

// children returns the tables that take their columns from t: its
// partitions and the tables inheriting from it.
func (m *Model) children(t *Table) []*Table {
	return append(m.PartitionsOf(t), m.InheritorsOf(t)...)
}

// descendants returns the children of t, their children and so on, each
// once, parents before their children; t itself is not included.
func (m *Model) descendants(t *Table) []*Table {
	if len(m.children(t)) == 0 {
		return nil // the common case, without the bookkeeping
	}
	var out []*Table
	seen := map[*Table]bool{t: true}
	var walk func(*Table)
	walk = func(p *Table) {
		for _, c := range m.children(p) {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
				walk(c)
			}
		}
	}
	walk(t)
	return out
}

// defaultPartition returns the DEFAULT partition of t, or nil.
func (m *Model) defaultPartition(t *Table) *Table {
	for _, p := range m.PartitionsOf(t) {
		if p.PartitionBound == "DEFAULT" {
			return p
		}
	}
	return nil
}
