package schema

import "strings"

// QualifiedName is an object name with its schema as written; an empty
// Schema means the default search path, which is taken to be "public".
type QualifiedName struct {
	Schema string
	Name   string
}

// String renders "schema.name", or "name" when no schema was written.
func (q QualifiedName) String() string {
	if q.Schema == "" {
		return q.Name
	}
	return q.Schema + "." + q.Name
}

// Is reports whether q and o name the same object, treating an unqualified
// name as living in "public".
func (q QualifiedName) Is(o QualifiedName) bool {
	return q.Name == o.Name && schemaKey(q.Schema) == schemaKey(o.Schema)
}

// ParseQualifiedName splits "schema.name" (or "name") without unquoting.
func ParseQualifiedName(s string) QualifiedName {
	if i := strings.LastIndexByte(s, '.'); i >= 0 {
		return QualifiedName{Schema: s[:i], Name: s[i+1:]}
	}
	return QualifiedName{Name: s}
}

func schemaKey(s string) string {
	if s == "" {
		return "public"
	}
	return s
}

// Model is a schema as replayed from DDL statements. Every list keeps the
// order in which objects were created; columns and constraints added later
// come after the ones a table was created with.
type Model struct {
	// Schemas lists schemas created with CREATE SCHEMA.
	Schemas []string
	Tables  []*Table
	// Indexes lists indexes created with CREATE INDEX. Indexes PostgreSQL
	// builds for PRIMARY KEY and UNIQUE constraints are not listed here; see
	// Table.PrimaryKey and Table.Uniques.
	Indexes []*Index
	Enums   []*Enum
}

// Table is one table of the model.
type Table struct {
	Schema string
	Name   string
	// Columns in attribute order.
	Columns []*Column
	// PrimaryKey is nil when the table has none.
	PrimaryKey  *PrimaryKey
	Uniques     []Unique
	ForeignKeys []ForeignKey
	Checks      []Check
	// PartitionBy is the partitioning of a partitioned table (PARTITION BY);
	// nil for a table that is not partitioned.
	PartitionBy *PartitionBy
	// PartitionOf is the parent of a partition (PARTITION OF, ATTACH
	// PARTITION); the zero name for a table that is not a partition.
	PartitionOf QualifiedName
	// PartitionBound is a partition's bound as SQL, as written after the
	// parent's name: "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
	// "FOR VALUES IN ('eu', 'uk')", "FOR VALUES WITH (MODULUS 4, REMAINDER 0)"
	// or "DEFAULT"; empty for a table that is not a partition.
	PartitionBound string
	// Inherits lists the parents of a table that inherits from others
	// (INHERITS, ALTER TABLE ... INHERIT), in order.
	Inherits []QualifiedName
}

// QualifiedName returns the table's name with its schema as written.
func (t *Table) QualifiedName() QualifiedName { return QualifiedName{Schema: t.Schema, Name: t.Name} }

// String renders the table name, schema-qualified when it was written so.
func (t *Table) String() string { return t.QualifiedName().String() }

// Column returns the named column, or nil.
func (t *Table) Column(name string) *Column {
	for _, c := range t.Columns {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Column is one column of a table.
type Column struct {
	Name string
	// Type is the type in its usual SQL spelling with modifiers, e.g.
	// "varchar(64)", "timestamptz", "bigint", "numeric(12,2)", "app.status[]".
	Type    string
	NotNull bool
	// Default is the default expression as deparsed by PostgreSQL's
	// deparser ("now()", "'pending'::text"); empty when there is none.
	Default string
	// Identity is "always" or "by default" for identity columns.
	Identity string
	// Generated is the expression of a GENERATED ALWAYS AS (...) STORED column.
	Generated string
}

// PrimaryKey is a table's primary key constraint.
type PrimaryKey struct {
	Name    string
	Columns []string
	// UsingIndex names the index it was built from (ADD PRIMARY KEY USING INDEX).
	UsingIndex string
}

// Unique is a UNIQUE constraint.
type Unique struct {
	Name             string
	Columns          []string
	NullsNotDistinct bool
	// UsingIndex names the index it was built from (ADD UNIQUE USING INDEX).
	UsingIndex string
}

// ForeignKey is a FOREIGN KEY constraint.
type ForeignKey struct {
	Name     string
	Columns  []string
	RefTable QualifiedName
	// RefColumns are the referenced columns; when the SQL leaves them out they
	// are the referenced table's primary key, if the model knows it.
	RefColumns []string
	// OnDelete and OnUpdate are "no action", "restrict", "cascade",
	// "set null" or "set default".
	OnDelete string
	OnUpdate string
	// NotValid is true for a constraint added NOT VALID and not validated since.
	NotValid bool
}

// Check is a CHECK constraint.
type Check struct {
	Name string
	// Expr is the deparsed condition, without the surrounding parentheses.
	Expr     string
	NotValid bool

	refs []string // columns the condition reads
}

// Index is an index created with CREATE INDEX.
type Index struct {
	Name string
	// Schema is the index's schema, which is always its table's.
	Schema string
	Table  QualifiedName
	Keys   []IndexKey
	// Include lists the INCLUDE columns.
	Include          []string
	Unique           bool
	NullsNotDistinct bool
	// Where is the predicate of a partial index, deparsed; empty otherwise.
	Where string
	// Method is the access method: "btree", "gin", "gist", "hash", "brin", ...
	Method string
	// Concurrent records that the index was created CONCURRENTLY.
	Concurrent bool

	refs []string // columns the keys, INCLUDE and WHERE read
}

// QualifiedName returns the index name with its table's schema.
func (ix *Index) QualifiedName() QualifiedName {
	return QualifiedName{Schema: ix.Schema, Name: ix.Name}
}

// Columns returns the plain column keys of the index in order, and false
// when a key is an expression.
func (ix *Index) Columns() ([]string, bool) {
	cols := make([]string, 0, len(ix.Keys))
	for _, k := range ix.Keys {
		if k.Column == "" {
			return nil, false
		}
		cols = append(cols, k.Column)
	}
	return cols, true
}

// Definition renders the index after its table name, as in
// "btree (customer_id, created_at DESC) INCLUDE (total) WHERE (status = 'open')".
func (ix *Index) Definition() string {
	keys := make([]string, len(ix.Keys))
	for i, k := range ix.Keys {
		keys[i] = k.String()
	}
	s := ix.Method + " (" + strings.Join(keys, ", ") + ")"
	if len(ix.Include) > 0 {
		s += " INCLUDE (" + strings.Join(ix.Include, ", ") + ")"
	}
	if ix.NullsNotDistinct {
		s += " NULLS NOT DISTINCT"
	}
	if ix.Where != "" {
		s += " WHERE (" + ix.Where + ")"
	}
	return s
}

// IndexKey is one key of an index: a column or an expression.
type IndexKey struct {
	// Column is the key column; empty for an expression key.
	Column string
	// Expr is the deparsed key expression; empty for a column key.
	Expr string
	// Opclass is the operator class as written, e.g. "text_pattern_ops".
	Opclass string
	Desc    bool
	// Nulls is "FIRST", "LAST" or empty for the default.
	Nulls string
}

// String renders the key as in an index definition: "created_at DESC",
// "(lower(email))".
func (k IndexKey) String() string {
	s := k.Column
	if s == "" {
		s = "(" + k.Expr + ")"
	}
	if k.Opclass != "" {
		s += " " + k.Opclass
	}
	if k.Desc {
		s += " DESC"
	}
	if k.Nulls != "" {
		s += " NULLS " + k.Nulls
	}
	return s
}

// Enum is an enum type.
type Enum struct {
	Schema string
	Name   string
	Values []string
}

// QualifiedName returns the type's name with its schema as written.
func (e *Enum) QualifiedName() QualifiedName { return QualifiedName{Schema: e.Schema, Name: e.Name} }

// Table returns the named table ("orders" or "app.orders"), or nil.
func (m *Model) Table(name string) *Table {
	return m.table(ParseQualifiedName(name))
}

func (m *Model) table(q QualifiedName) *Table {
	for _, t := range m.Tables {
		if t.QualifiedName().Is(q) {
			return t
		}
	}
	return nil
}

// Index returns the named index ("idx" or "app.idx"), or nil.
func (m *Model) Index(name string) *Index {
	return m.index(ParseQualifiedName(name))
}

func (m *Model) index(q QualifiedName) *Index {
	for _, ix := range m.Indexes {
		if ix.QualifiedName().Is(q) {
			return ix
		}
	}
	return nil
}

// IndexesOf returns the CREATE INDEX indexes of a table, in creation order.
func (m *Model) IndexesOf(t *Table) []*Index {
	var out []*Index
	for _, ix := range m.Indexes {
		if ix.Table.Is(t.QualifiedName()) {
			out = append(out, ix)
		}
	}
	return out
}

// Enum returns the named enum type, or nil.
func (m *Model) Enum(name string) *Enum {
	return m.enum(ParseQualifiedName(name))
}

func (m *Model) enum(q QualifiedName) *Enum {
	for _, e := range m.Enums {
		if e.QualifiedName().Is(q) {
			return e
		}
	}
	return nil
}

// ReferencesTo returns the foreign keys, across all tables, that reference t,
// with the table each belongs to, in table then constraint order.
func (m *Model) ReferencesTo(t *Table) []TableForeignKey {
	var out []TableForeignKey
	for _, from := range m.Tables {
		for _, fk := range from.ForeignKeys {
			if fk.RefTable.Is(t.QualifiedName()) {
				out = append(out, TableForeignKey{Table: from, ForeignKey: fk})
			}
		}
	}
	return out
}

// TableForeignKey is a foreign key together with the table that holds it.
type TableForeignKey struct {
	Table *Table
	ForeignKey
}
