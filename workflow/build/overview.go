package build

import (
	"fmt"
	"strings"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/md"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// overviewItem summarises the model: counts, the foreign key map, tables
// without a primary key, and enums.
func overviewItem(m *schema.Model) workflow.Item {
	var b strings.Builder
	var fks int
	var noPK []string
	for _, t := range m.Tables {
		fks += len(t.ForeignKeys)
		if t.PrimaryKey == nil {
			noPK = append(noPK, t.String())
		}
	}
	fmt.Fprintf(&b, "%s, %s, %s, %s.\n", md.Plural(len(m.Tables), "table", "tables"),
		md.Plural(fks, "foreign key", "foreign keys"), md.Plural(len(m.Indexes), "index", "indexes"),
		md.Plural(len(m.Enums), "enum", "enums"))

	b.WriteString("\n### Foreign key map\n\n")
	if fks == 0 {
		b.WriteString("_No foreign keys._\n")
	}
	for _, t := range m.Tables {
		for _, fk := range t.ForeignKeys {
			fmt.Fprintf(&b, "- %s\n", foreignKeyLine(m, t.String(), fk))
		}
	}

	b.WriteString("\n### Tables without a primary key\n\n")
	if len(noPK) == 0 {
		b.WriteString("_Every table has a primary key._\n")
	}
	for _, name := range noPK {
		fmt.Fprintf(&b, "- %s\n", md.Code(name))
	}

	if len(m.Enums) > 0 {
		b.WriteString("\n### Enums\n\n")
		for _, e := range m.Enums {
			fmt.Fprintf(&b, "- %s: %s\n", md.Code(e.QualifiedName().String()), strings.Join(e.Values, ", "))
		}
	}
	tone := workflow.ToneNeutral
	if len(noPK) > 0 {
		tone = workflow.ToneWarn
	}
	return workflow.Item{
		ID:     "overview",
		Title:  "Model overview",
		Badge:  md.Plural(len(m.Tables), "table", "tables"),
		Tone:   tone,
		Detail: b.String(),
	}
}

// foreignKeyLine renders `orders.customer_id -> customers.id` (on delete
// cascade), marking references outside the draft and NOT VALID constraints.
func foreignKeyLine(m *schema.Model, table string, fk schema.ForeignKey) string {
	s := md.Code(columnsOf(table, fk.Columns) + " -> " + columnsOf(fk.RefTable.String(), fk.RefColumns))
	notes := []string{"on delete " + fk.OnDelete}
	if fk.OnUpdate != "no action" {
		notes = append(notes, "on update "+fk.OnUpdate)
	}
	if fk.NotValid {
		notes = append(notes, "NOT VALID")
	}
	if m.Table(fk.RefTable.String()) == nil {
		notes = append(notes, "referenced table not in the draft")
	}
	return s + " (" + strings.Join(notes, ", ") + ")"
}

// columnsOf renders table.col, table.(a, b), or the bare table without columns.
func columnsOf(table string, cols []string) string {
	switch len(cols) {
	case 0:
		return table
	case 1:
		return table + "." + cols[0]
	}
	return table + ".(" + strings.Join(cols, ", ") + ")"
}
