package build

import (
	"fmt"
	"strings"

	"github.com/pgrollout/pgrollout/workflow/md"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// timestampColumns are the audit columns the convention expects on every table.
func timestampColumns() []string { return []string{"created_at", "updated_at"} }

// timestampCheck is what the convention asks of one audit column.
type timestampCheck struct {
	present, timestamptz, notNull, defaultNow bool
}

func (c timestampCheck) follows() bool {
	return c.present && c.timestamptz && c.notNull && c.defaultNow
}

func checkTimestamp(col *schema.Column) timestampCheck {
	if col == nil {
		return timestampCheck{}
	}
	return timestampCheck{
		present:     true,
		timestamptz: col.Type == "timestamptz",
		notNull:     col.NotNull,
		defaultNow:  isNow(col.Default),
	}
}

// isNow reports whether a default expression is the transaction start time:
// now(), CURRENT_TIMESTAMP or transaction_timestamp().
func isNow(expr string) bool {
	switch strings.ToLower(strings.TrimSpace(expr)) {
	case "now()", "current_timestamp", "transaction_timestamp()":
		return true
	}
	return false
}

// writeTimestamps reports the created_at/updated_at convention: present,
// timestamptz, NOT NULL, DEFAULT now().
func writeTimestamps(b *strings.Builder, t *schema.Table) {
	b.WriteString("\n### Timestamps\n\n")
	b.WriteString("| Column | Present | timestamptz | NOT NULL | DEFAULT now() |\n|---|---|---|---|---|\n")
	var off []string
	for _, name := range timestampColumns() {
		col := t.Column(name)
		c := checkTimestamp(col)
		typ := yesNo(c.timestamptz)
		if col != nil && !c.timestamptz {
			typ = "no (" + md.Cell(md.Code(col.Type)) + ")"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", md.Code(name), yesNo(c.present), typ, yesNo(c.notNull), yesNo(c.defaultNow))
		if !c.follows() {
			off = append(off, md.Code(name))
		}
	}
	if len(off) == 0 {
		b.WriteString("\nFollows the convention.\n")
		return
	}
	fmt.Fprintf(b, "\nDoes not follow the convention: %s.\n", strings.Join(off, ", "))
}

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}
