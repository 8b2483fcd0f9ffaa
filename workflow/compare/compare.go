// Package compare sums up a project's decisions and evidence before and after:
// which risks moved, which still need proof, and which stay blocked.
package compare

import (
	"fmt"
	"strings"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/audit"
	"github.com/pgrollout/pgrollout/workflow/md"
)

// Movement is how one decision moved between its first and its current state.
type Movement struct {
	Decision workflow.Decision
	From, To workflow.DecisionState
}

// Moved reports whether the decision's state changed over its history.
func (m Movement) Moved() bool { return m.From != m.To }

// Movements returns every decision's first and current state, in reading
// order (workflow.SortDecisions).
func Movements(ds []workflow.Decision) []Movement {
	out := make([]Movement, 0, len(ds))
	for _, d := range workflow.SortDecisions(ds) {
		from := d.Current().State
		if len(d.History) > 0 {
			from = d.History[0].State
		}
		out = append(out, Movement{Decision: d, From: from, To: d.State()})
	}
	return out
}

// Items computes the Compare stage's rows: a summary, the risk movement, the
// evidence gaps and the blocked items.
func Items(p workflow.Project) []workflow.Item {
	audits, hasAudits := auditItem(p)
	if len(p.Decisions) == 0 {
		if hasAudits {
			return []workflow.Item{audits}
		}
		return nil
	}
	moves := Movements(p.Decisions)
	t := workflow.CountDecisions(p.Decisions)
	items := []workflow.Item{summaryItem(p, t)}
	items = append(items, movementItem(moves))
	if it, ok := stateItem(moves, workflow.NeedsEvidence, "evidence-gaps", "Evidence gaps",
		"These items may go ahead once the named proof is captured."); ok {
		items = append(items, it)
	}
	if it, ok := stateItem(moves, workflow.Blocked, "blocked", "Blocked or rejected",
		"These items do not ship in this change."); ok {
		items = append(items, it)
	}
	if hasAudits {
		items = append(items, audits)
	}
	return items
}

// auditItem compares the project's last two audit snapshots: the findings
// resolved, new and still open. Each side is judged by the report stored
// with it, or by the current checks when it has none.
func auditItem(p workflow.Project) (workflow.Item, bool) {
	var reports []audit.Report
	for _, d := range p.DocumentsOf(workflow.KindStatsSnapshot) {
		s, err := audit.ParseSnapshot(d.Name, []byte(d.Text))
		if err != nil {
			continue // the Audit stage reports it
		}
		if s.Report != nil {
			reports = append(reports, *s.Report)
		} else {
			reports = append(reports, audit.Analyze(s))
		}
	}
	if len(reports) < 2 {
		return workflow.Item{}, false
	}
	before, after := reports[len(reports)-2], reports[len(reports)-1]
	d := audit.DiffReports(before, after)
	return workflow.Item{
		ID:     "audit-diff",
		Title:  "Audit before and after",
		Badge:  fmt.Sprintf("%d new, %d resolved", len(d.New), len(d.Resolved)),
		Tone:   d.Tone(),
		Detail: d.Markdown(before, after),
	}, true
}

func summaryItem(p workflow.Project, t workflow.Tally) workflow.Item {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n**%s**\n\n", p.Meta.Name, Headline(t))
	b.WriteString("| State | Decisions |\n|---|---|\n")
	fmt.Fprintf(&b, "| accepted | %d |\n| needs evidence | %d |\n| blocked/rejected | %d |\n\n", t.Accepted, t.NeedsEvidence, t.Blocked)
	b.WriteString("| Stage | Status |\n|---|---|\n")
	for _, s := range workflow.Stages() {
		fmt.Fprintf(&b, "| %s | %s |\n", s, p.Status(s))
	}
	tone := workflow.ToneGood
	switch {
	case t.Blocked > 0:
		tone = workflow.ToneBad
	case t.NeedsEvidence > 0:
		tone = workflow.ToneWarn
	}
	return workflow.Item{
		ID:     "summary",
		Title:  "Summary",
		Badge:  fmt.Sprintf("%d/%d/%d", t.Accepted, t.NeedsEvidence, t.Blocked),
		Tone:   tone,
		Detail: b.String(),
	}
}

func movementItem(moves []Movement) workflow.Item {
	var b strings.Builder
	b.WriteString("# Risk movement\n\nFirst recorded state against the current one, per decision.\n\n")
	b.WriteString("| Decision | Before | After | Owner |\n|---|---|---|---|\n")
	n := 0
	for _, m := range moves {
		if m.Moved() {
			n++
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", md.Cell(m.Decision.Title), m.From.Label(), m.To.Label(), md.Cell(ownerOr(m.Decision.Owner())))
	}
	return workflow.Item{ID: "movement", Title: "Risk movement", Badge: fmt.Sprintf("%d moved", n), Detail: b.String()}
}

func stateItem(moves []Movement, st workflow.DecisionState, id, title, lead string) (workflow.Item, bool) {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n%s\n\n", title, lead)
	n := 0
	for _, m := range moves {
		if m.To != st {
			continue
		}
		n++
		d := m.Decision
		fmt.Fprintf(&b, "## %s\n\n- Owner: %s\n- Reason: %s\n", d.Title, ownerOr(d.Owner()), d.Reason())
		if len(d.Evidence) > 0 {
			fmt.Fprintf(&b, "- Evidence: %s\n", strings.Join(d.Evidence, ", "))
		}
		b.WriteString("\n")
	}
	if n == 0 {
		return workflow.Item{}, false
	}
	return workflow.Item{ID: id, Title: title, Badge: fmt.Sprint(n), Tone: workflow.ToneOf(st), Detail: b.String()}, true
}

func ownerOr(o string) string {
	if o == "" {
		return "(no owner)"
	}
	return o
}
