package format

import (
	"fmt"
	"strings"

	"github.com/pgrollout/pgrollout/workflow/md"
	"github.com/pgrollout/pgrollout/workflow/review"
)

// Markdown renders the review as a handoff document: a summary table, then
// one section per finding with its statement, lock, why and safe SQL.
func Markdown(res review.Result) string {
	var b strings.Builder
	b.WriteString("# SQL review\n\n" + Summary(res) + ".\n")
	if len(res.Findings) == 0 {
		return b.String()
	}
	b.WriteString("\n")
	rows := make([][]string, 0, len(res.Findings))
	for _, f := range res.Findings {
		rows = append(rows, []string{string(f.Severity), f.Rule, f.Pos.String(), f.Object, f.Message})
	}
	md.Table(&b, []string{"Severity", "Rule", "Where", "Object", "Finding"}, rows)
	for i, f := range res.Findings {
		fmt.Fprintf(&b, "\n## %d. %s: %s\n\n", i+1, md.Text(f.Rule), md.Text(f.Object))
		fmt.Fprintf(&b, "- Severity: **%s**\n- Where: %s\n- Lock: %s\n", f.Severity, md.Code(f.Pos.String()), md.Text(f.Lock))
		fmt.Fprintf(&b, "- Rewrites the table: %s; scans it: %s\n\n", yesNo(f.Rewrite), yesNo(f.Scan))
		fmt.Fprintf(&b, "%s\n\n%s\n", md.Text(f.Message), md.Text(f.Help))
		b.WriteString("\nStatement:\n\n" + md.Fence("sql", f.Statement))
		if f.SafeSQL != "" {
			b.WriteString("\nSafe alternative:\n\n" + md.Fence("sql", f.SafeSQL))
		}
	}
	return b.String()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
