package schema

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxIdentLen is PostgreSQL's identifier limit in bytes (NAMEDATALEN - 1).
const maxIdentLen = 63

// makeObjectName mirrors PostgreSQL's makeObjectName: "name1_name2_label",
// shortening the longer of name1 and name2 until the result fits in 63 bytes,
// never cutting a character in half.
func makeObjectName(name1, name2, label string) string {
	overhead := 0
	if label != "" {
		overhead += len(label) + 1
	}
	if name2 != "" {
		overhead++
	}
	avail := maxIdentLen - overhead
	n1, n2 := len(name1), len(name2)
	for n1+n2 > avail && n1+n2 > 0 {
		if n1 > n2 {
			n1--
		} else {
			n2--
		}
	}
	parts := []string{clipUTF8(name1, n1)}
	if name2 != "" {
		parts = append(parts, clipUTF8(name2, n2))
	}
	if label != "" {
		parts = append(parts, label)
	}
	return strings.Join(parts, "_")
}

// clipUTF8 cuts s to at most n bytes on a character boundary.
func clipUTF8(s string, n int) string {
	if n >= len(s) {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// nameAddition mirrors ChooseIndexNameAddition: column names joined by "_",
// stopping once the result is as long as an identifier can be.
func nameAddition(cols []string) string {
	var b strings.Builder
	for _, c := range cols {
		if b.Len() > 0 {
			b.WriteByte('_')
		}
		b.WriteString(clipUTF8(c, maxIdentLen))
		if b.Len() > maxIdentLen {
			break
		}
	}
	return b.String()
}

// chooseName mirrors ChooseRelationName/ChooseConstraintName: the default
// name for an object of table, made unique within the schema by appending a
// number to the label ("orders_pkey", "orders_pkey1", ...).
func (m *Model) chooseName(schema, table string, cols []string, label string) string {
	return ChooseName(table, cols, label, func(name string) bool { return m.nameUsed(schema, name) })
}

// ChooseName is PostgreSQL's default name for an object of table on cols
// (ChooseRelationName): "table_cols_label", cut to 63 bytes, then with 1,
// 2 ... appended to the label until used reports the name free.
func ChooseName(table string, cols []string, label string, used func(name string) bool) string {
	addition := nameAddition(cols)
	modLabel := label
	for pass := 1; ; pass++ {
		name := makeObjectName(table, addition, modLabel)
		if !used(name) {
			return name
		}
		modLabel = label + strconv.Itoa(pass)
	}
}

// nameUsed reports whether a relation or constraint of the schema already
// has the name: default names must avoid all of them. It walks the model
// without allocating, since long migrations choose thousands of names.
func (m *Model) nameUsed(schema, name string) bool {
	key := schemaKey(schema)
	for _, t := range m.Tables {
		if schemaKey(t.Schema) != key {
			continue
		}
		if t.Name == name || (t.PrimaryKey != nil && t.PrimaryKey.Name == name) {
			return true
		}
		for _, u := range t.Uniques {
			if u.Name == name {
				return true
			}
		}
		for _, fk := range t.ForeignKeys {
			if fk.Name == name {
				return true
			}
		}
		for _, c := range t.Checks {
			if c.Name == name {
				return true
			}
		}
	}
	for _, ix := range m.Indexes {
		if ix.Name == name && schemaKey(ix.Schema) == key {
			return true
		}
	}
	return false
}

// ConstraintNames lists the names of the table's constraints in order:
// primary key, uniques, foreign keys, checks.
func (t *Table) ConstraintNames() []string {
	var names []string
	if t.PrimaryKey != nil {
		names = append(names, t.PrimaryKey.Name)
	}
	for _, u := range t.Uniques {
		names = append(names, u.Name)
	}
	for _, fk := range t.ForeignKeys {
		names = append(names, fk.Name)
	}
	for _, c := range t.Checks {
		names = append(names, c.Name)
	}
	return names
}
