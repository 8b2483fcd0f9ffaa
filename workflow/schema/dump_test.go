package schema

import (
	"fmt"
	"strings"
	"testing"
)

// dump renders a model as stable text for comparisons in tests.
func dump(m *Model) string {
	var b strings.Builder
	for _, s := range m.Schemas {
		fmt.Fprintf(&b, "schema %s\n", s)
	}
	for _, e := range m.Enums {
		fmt.Fprintf(&b, "enum %s: %s\n", e.QualifiedName(), strings.Join(e.Values, ", "))
	}
	for _, t := range m.Tables {
		fmt.Fprintf(&b, "table %s\n", t)
		if t.IsPartition() {
			fmt.Fprintf(&b, "  partition of %s %s\n", t.PartitionOf, t.PartitionBound)
		}
		if len(t.Inherits) > 0 {
			names := make([]string, len(t.Inherits))
			for i, p := range t.Inherits {
				names[i] = p.String()
			}
			fmt.Fprintf(&b, "  inherits %s\n", strings.Join(names, ", "))
		}
		if t.Partitioned() {
			fmt.Fprintf(&b, "  partition by %s\n", t.PartitionBy)
		}
		for _, c := range t.Columns {
			line := "  " + c.Name + " " + c.Type
			if c.NotNull {
				line += " not null"
			}
			if c.Default != "" {
				line += " default " + c.Default
			}
			if c.Identity != "" {
				line += " identity " + c.Identity
			}
			if c.Generated != "" {
				line += " generated " + c.Generated
			}
			b.WriteString(line + "\n")
		}
		if pk := t.PrimaryKey; pk != nil {
			fmt.Fprintf(&b, "  pk %s (%s)%s\n", pk.Name, strings.Join(pk.Columns, ", "), using(pk.UsingIndex))
		}
		for _, u := range t.Uniques {
			fmt.Fprintf(&b, "  unique %s (%s)%s\n", u.Name, strings.Join(u.Columns, ", "), using(u.UsingIndex))
		}
		for _, fk := range t.ForeignKeys {
			fmt.Fprintf(&b, "  fk %s (%s) -> %s (%s) on delete %s%s\n", fk.Name, strings.Join(fk.Columns, ", "),
				fk.RefTable, strings.Join(fk.RefColumns, ", "), fk.OnDelete, notValid(fk.NotValid))
		}
		for _, c := range t.Checks {
			fmt.Fprintf(&b, "  check %s: %s%s\n", c.Name, c.Expr, notValid(c.NotValid))
		}
	}
	for _, ix := range m.Indexes {
		u := ""
		if ix.Unique {
			u = "unique "
		}
		fmt.Fprintf(&b, "%sindex %s on %s %s\n", u, ix.QualifiedName(), ix.Table, ix.Definition())
	}
	return b.String()
}

func using(ix string) string {
	if ix == "" {
		return ""
	}
	return " using index " + ix
}

func notValid(b bool) string {
	if b {
		return " not valid"
	}
	return ""
}

// mustBuild splits and builds sql, failing the test on error.
func mustBuild(t *testing.T, sql string) *Model {
	t.Helper()
	stmts, err := Split("setup.sql", sql)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Build(stmts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// lines joins lines with newlines, ending with one.
func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }
