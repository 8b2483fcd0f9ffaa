package build

import (
	"fmt"
	"strings"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/md"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// tableItem describes one table: columns, keys, references, checks, indexes
// and the timestamp convention.
func tableItem(m *schema.Model, t *schema.Table) workflow.Item {
	var b strings.Builder
	writeColumns(&b, t)
	writeKeys(&b, t)
	writeReferences(&b, m, t)
	writeChecks(&b, t)
	writeIndexes(&b, m, t)
	writeTimestamps(&b, t)
	tone := workflow.ToneNeutral
	if t.PrimaryKey == nil {
		tone = workflow.ToneWarn
	}
	return workflow.Item{
		ID:     "table:" + t.String(),
		Title:  t.String(),
		Badge:  md.Plural(len(t.Columns), "col", "cols"),
		Tone:   tone,
		Detail: b.String(),
	}
}

func writeColumns(b *strings.Builder, t *schema.Table) {
	if len(t.Columns) == 0 {
		b.WriteString("_No columns._\n")
		return
	}
	b.WriteString("| Column | Type | Null | Default |\n|---|---|---|---|\n")
	for _, c := range t.Columns {
		null := "null"
		if c.NotNull {
			null = "not null"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", md.Cell(md.Code(c.Name)), md.Cell(md.Code(c.Type)), null, md.Cell(columnDefault(c)))
	}
}

// columnDefault renders what fills a column when an insert leaves it out.
func columnDefault(c *schema.Column) string {
	switch {
	case c.Identity != "":
		return "identity (" + c.Identity + ")"
	case c.Generated != "":
		return "generated: " + md.Code(c.Generated)
	case c.Default != "":
		return md.Code(c.Default)
	}
	return ""
}

func writeKeys(b *strings.Builder, t *schema.Table) {
	b.WriteString("\n### Primary key\n\n")
	if pk := t.PrimaryKey; pk != nil {
		fmt.Fprintf(b, "%s (%s)%s\n", codeList(pk.Columns), md.Code(pk.Name), usingIndex(pk.UsingIndex))
	} else {
		b.WriteString("_None._\n")
	}
	b.WriteString("\n### Unique rules\n\n")
	if len(t.Uniques) == 0 {
		b.WriteString("_None._\n")
	}
	for _, u := range t.Uniques {
		nulls := ""
		if u.NullsNotDistinct {
			nulls = ", nulls not distinct"
		}
		fmt.Fprintf(b, "- %s (%s)%s%s\n", codeList(u.Columns), md.Code(u.Name), nulls, usingIndex(u.UsingIndex))
	}
}

func usingIndex(ix string) string {
	if ix == "" {
		return ""
	}
	return ", built from index " + md.Code(ix)
}

// codeList renders columns as code spans joined by commas.
func codeList(cols []string) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = md.Code(c)
	}
	return strings.Join(out, ", ")
}

func writeReferences(b *strings.Builder, m *schema.Model, t *schema.Table) {
	b.WriteString("\n### Foreign keys\n\n")
	if len(t.ForeignKeys) == 0 {
		b.WriteString("_None._\n")
	}
	for _, fk := range t.ForeignKeys {
		fmt.Fprintf(b, "- %s %s\n", foreignKeyLine(m, t.String(), fk), md.Code(fk.Name))
	}
	if refs := m.ReferencesTo(t); len(refs) > 0 {
		b.WriteString("\nReferenced by:\n\n")
		for _, r := range refs {
			fmt.Fprintf(b, "- %s\n", foreignKeyLine(m, r.Table.String(), r.ForeignKey))
		}
	}
}

func writeChecks(b *strings.Builder, t *schema.Table) {
	if len(t.Checks) == 0 {
		return
	}
	b.WriteString("\n### Checks\n\n")
	for _, c := range t.Checks {
		valid := ""
		if c.NotValid {
			valid = " (NOT VALID)"
		}
		fmt.Fprintf(b, "- %s: %s%s\n", md.Code(c.Name), md.Code(c.Expr), valid)
	}
}

func writeIndexes(b *strings.Builder, m *schema.Model, t *schema.Table) {
	b.WriteString("\n### Indexes\n\n")
	ixs := m.IndexesOf(t)
	if len(ixs) == 0 {
		b.WriteString("_No indexes besides those of the keys._\n")
	}
	for _, ix := range ixs {
		kind := ""
		if ix.Unique {
			kind = "unique, "
		}
		fmt.Fprintf(b, "- %s: %s%s\n", md.Code(ix.Name), kind, md.Code(ix.Definition()))
	}
}
