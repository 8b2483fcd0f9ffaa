package workflow

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/pgrollout/pgrollout/workflow/md"
)

// SortDecisions returns a copy of ds in reading order: accepted, needs
// evidence, blocked/rejected; then by title, then by ID.
func SortDecisions(ds []Decision) []Decision {
	out := slices.Clone(ds)
	slices.SortStableFunc(out, func(a, b Decision) int {
		return cmp.Or(
			cmp.Compare(stateRank(a.State()), stateRank(b.State())),
			cmp.Compare(strings.ToLower(a.Title), strings.ToLower(b.Title)),
			cmp.Compare(a.Title, b.Title),
			cmp.Compare(a.ID, b.ID),
		)
	})
	return out
}

// stateRank is a state's position in DecisionStates; unknown states sort last.
func stateRank(s DecisionState) int {
	states := DecisionStates()
	if i := slices.Index(states, s); i >= 0 {
		return i
	}
	return len(states)
}

// DecisionMarkdown renders one decision as a markdown section whose heading
// has the given level: state, owner, reason, what it is about, what it rests
// on, and its history oldest first. The detail panes and decisions.md share it.
func DecisionMarkdown(d Decision, level int) string {
	var b strings.Builder
	c := d.Current()
	fmt.Fprintf(&b, "%s %s\n\n", strings.Repeat("#", max(1, level)), md.Text(d.Title))
	fmt.Fprintf(&b, "- State: **%s**\n", c.State.Label())
	fmt.Fprintf(&b, "- Owner: %s\n", md.Text(c.Owner))
	fmt.Fprintf(&b, "- Reason: %s\n", md.Text(c.Reason))
	fmt.Fprintf(&b, "- Stage: %s\n", d.Stage)
	fmt.Fprintf(&b, "- Object: %s\n", md.Code(d.Object))
	fmt.Fprintf(&b, "- Findings: %s\n", md.CodeList(d.Findings))
	fmt.Fprintf(&b, "- Evidence: %s\n", md.CodeList(d.Evidence))
	fmt.Fprintf(&b, "- Decision ID: %s\n\n", md.Code(d.ID))
	if len(d.History) == 0 {
		b.WriteString("No history recorded: nobody has decided this item yet.\n")
		return b.String()
	}
	b.WriteString("History, oldest first:\n\n")
	rows := make([][]string, 0, len(d.History))
	for _, h := range d.History {
		rows = append(rows, []string{md.Time(h.At), h.State.Label(), h.Owner, h.Reason, h.By})
	}
	md.Table(&b, []string{"When (UTC)", "State", "Owner", "Reason", "By"}, rows)
	return b.String()
}
