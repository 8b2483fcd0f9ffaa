package report

import (
	"fmt"
	"strings"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/compare"
	"github.com/pgrollout/pgrollout/workflow/md"
)

// renderDecisions writes decisions.md: the headline, a summary table, then one
// section per decision with its links and full history. Decisions read
// accepted first, then needs evidence, then blocked/rejected, each by title.
func renderDecisions(in input) ([]byte, error) {
	p := in.project
	ds := workflow.SortDecisions(p.Decisions)

	var b strings.Builder
	fmt.Fprintf(&b, "# Owner decisions: %s\n\n", md.Text(p.Meta.Name))
	fmt.Fprintf(&b, "Result: %s.\n\n", compare.Headline(workflow.CountDecisions(ds)))
	if len(ds) == 0 {
		b.WriteString("No decisions have been recorded for this project yet.\n")
		return []byte(b.String()), nil
	}

	b.WriteString("## Summary\n\n")
	md.Table(&b, decisionHeader(), decisionRows(ds, func(s string) string { return s }))
	for _, d := range ds {
		b.WriteString("\n")
		b.WriteString(workflow.DecisionMarkdown(d, 2))
	}
	return []byte(b.String()), nil
}

// decisionHeader is the header of the decision tables in decisions.md and README.md.
func decisionHeader() []string {
	return []string{"Decision", "Stage", "State", "Owner", "Reason"}
}

// decisionRows lays out one table row per decision; reason shapes the reason
// column (whole, or abbreviated for the index).
func decisionRows(ds []workflow.Decision, reason func(string) string) [][]string {
	rows := make([][]string, 0, len(ds))
	for _, d := range ds {
		c := d.Current()
		rows = append(rows, []string{d.Title, d.Stage.String(), c.State.Label(), c.Owner, reason(c.Reason)})
	}
	return rows
}
