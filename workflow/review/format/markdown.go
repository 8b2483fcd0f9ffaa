package format

import (
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
	for _, f := range res.Findings {
		b.WriteString("\n" + review.FindingMarkdown(f, 2))
	}
	return b.String()
}
