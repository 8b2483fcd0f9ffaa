// Package migration computes the Migration stage: the change turned into a
// rollout plan of ordered steps (online rewrites of risky statements, the
// locks each step takes, timeouts, rollback and deployment order), and the
// items the stage shows for it.
package migration

import (
	"fmt"
	"strings"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/md"
)

// Items returns the Migration stage's items for a project: the deployment
// order, then one item per step in run order. A project without migrations
// has no items.
func Items(p workflow.Project) ([]workflow.Item, error) {
	plan, err := ProjectPlan(p, 0)
	if err != nil || len(plan.Steps) == 0 {
		return nil, err
	}
	items := []workflow.Item{orderItem(plan)}
	for _, s := range plan.Steps {
		items = append(items, stepItem(s))
	}
	return items, nil
}

// Counts tallies what needs attention in a plan.
type Counts struct {
	Steps, Rewritten, Unsafe, Irreversible int
	// ByPhase counts the steps with SQL per phase.
	ByPhase map[Phase]int
}

// Count tallies a plan.
func (p Plan) Count() Counts {
	c := Counts{ByPhase: map[Phase]int{}}
	for _, s := range p.Steps {
		if s.SQL == "" {
			continue
		}
		c.Steps++
		c.ByPhase[s.Phase]++
		if s.Rewritten {
			c.Rewritten++
		}
		if s.Unsafe {
			c.Unsafe++
		}
		if s.Irreversible {
			c.Irreversible++
		}
	}
	return c
}

// orderItem explains the deployment order: phases, what each holds and why.
func orderItem(p Plan) workflow.Item {
	c := p.Count()
	var b strings.Builder
	fmt.Fprintf(&b, "# Deployment order\n\n%s in four phases; %s rewritten into online forms.\n\n",
		md.Plural(c.Steps, "step", "steps"), md.Plural(c.Rewritten, "statement", "statements"))
	for _, ph := range Phases() {
		var ns []int
		for _, s := range p.Steps {
			if s.Phase == ph {
				ns = append(ns, s.N)
			}
		}
		word := "steps"
		if len(ns) == 1 {
			word = "step"
		}
		fmt.Fprintf(&b, "%d. **%s**, %s %s: %s\n", ph.order()+1, ph.Title(), word, ranges(ns), ph.Why())
	}
	if c.Unsafe > 0 {
		fmt.Fprintf(&b, "\n**%s kept as written with no online form**: see the steps marked unsafe.\n", md.Plural(c.Unsafe, "statement is", "statements are"))
	}
	if c.Irreversible > 0 {
		fmt.Fprintf(&b, "\n**%s cannot be undone** by the rollback: see their recovery notes.\n", md.Plural(c.Irreversible, "step", "steps"))
	}
	tone, badge := workflow.ToneGood, md.Plural(c.Steps, "step", "steps")
	if c.Unsafe > 0 {
		tone, badge = workflow.ToneBad, md.Plural(c.Unsafe, "unsafe", "unsafe")
	} else if c.Irreversible > 0 {
		tone = workflow.ToneWarn
	}
	return workflow.Item{ID: "deployment-order", Title: "Deployment order", Badge: badge, Tone: tone, Detail: b.String()}
}

// ranges renders ascending numbers with runs collapsed: "1–3, 5".
func ranges(ns []int) string {
	var parts []string
	for i := 0; i < len(ns); {
		j := i
		for j+1 < len(ns) && ns[j+1] == ns[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d–%d", ns[i], ns[j]))
		} else {
			parts = append(parts, fmt.Sprint(ns[i]))
		}
		i = j + 1
	}
	if len(parts) == 0 {
		return "—"
	}
	return strings.Join(parts, ", ")
}

// stepItem presents one step.
func stepItem(s Step) workflow.Item {
	badge, tone := stepBadge(s)
	title := fmt.Sprintf("%s %d. %s", phaseTag(s.Phase), s.N, s.Title)
	return workflow.Item{
		ID:     fmt.Sprintf("step:%s:%s:%s", s.Phase, s.Source, s.Title),
		Title:  title,
		Badge:  badge,
		Tone:   tone,
		Detail: StepMarkdown(s),
		Copy:   s.SQL,
	}
}

// phaseTag is the phase in a few letters for list rows.
func phaseTag(p Phase) string {
	switch p {
	case PhasePreDeploy:
		return "pre"
	case PhasePostDeploy:
		return "post"
	}
	return string(p)
}

// stepBadge says in a word what the step does to traffic.
func stepBadge(s Step) (string, workflow.Tone) {
	switch {
	case s.SQL == "":
		return "deploy", workflow.ToneNeutral
	case s.Unsafe:
		return "unsafe", workflow.ToneBad
	case s.Irreversible:
		return "irreversible", workflow.ToneWarn
	}
	blocksReads, blocksWrites := false, false
	for _, l := range s.Locks {
		blocksReads = blocksReads || l.Blocks == "reads and writes"
		blocksWrites = blocksWrites || l.Blocks == "writes"
	}
	switch {
	case blocksReads:
		return "r/w lock", workflow.ToneWarn
	case blocksWrites:
		return "write lock", workflow.ToneWarn
	}
	return "online", workflow.ToneGood
}

// StepMarkdown renders a step: SQL, locks, timeouts, notes, rollback and
// where it comes from.
func StepMarkdown(s Step) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %d. %s\n\n", s.N, md.Text(s.Title))
	fmt.Fprintf(&b, "- Phase: **%s**\n", s.Phase.Title())
	if s.SQL == "" {
		b.WriteString("\n" + md.Text(s.Note) + "\n")
		return b.String()
	}
	if s.Unsafe {
		b.WriteString("- **Unsafe: kept as written, no online form**\n")
	}
	if s.Irreversible {
		b.WriteString("- **Irreversible**\n")
	}
	tx := "in its own transaction"
	if !s.Transactional {
		tx = "outside any transaction block"
	}
	fmt.Fprintf(&b, "- Runs: %s, lock_timeout %s, statement_timeout %s\n", tx, md.Code(s.LockTimeout), md.Code(s.StatementTimeout))
	if s.Source.Line > 0 {
		fmt.Fprintf(&b, "- From: %s\n", md.Code(s.Source.String()))
	}
	b.WriteString("\n" + md.Fence("sql", s.SQL))
	if len(s.Locks) > 0 {
		b.WriteString("\n")
		var rows [][]string
		for _, l := range s.Locks {
			work := ""
			switch {
			case l.Rewrite:
				work = "rewrites"
			case l.Scan:
				work = "scans"
			}
			size := ""
			if sz, ok := s.Sizes[l.Relation]; ok {
				size = fmt.Sprintf("%d rows, %s", sz.Rows, md.Bytes(sz.Bytes))
			}
			rows = append(rows, []string{md.Code(l.Relation), l.Mode, l.Blocks, work, size})
		}
		md.Table(&b, []string{"Relation", "Lock", "Blocks", "Work", "Size"}, rows)
	}
	if s.Note != "" {
		b.WriteString("\n" + md.Text(s.Note) + "\n")
	}
	if s.Retry != "" {
		b.WriteString("\n**Retry:** " + md.Text(s.Retry) + "\n")
	}
	b.WriteString("\n## Rollback\n\n")
	switch {
	case s.Irreversible:
		b.WriteString("Cannot be undone. " + md.Text(s.Recovery) + "\n")
	case s.Rollback == "":
		b.WriteString("Nothing to undo.\n")
	default:
		b.WriteString(md.Fence("sql", s.Rollback))
	}
	if s.RollbackNote != "" {
		b.WriteString("\n" + md.Text(s.RollbackNote) + "\n")
	}
	if s.Rewritten && s.Origin != "" {
		b.WriteString("\n## As written in the change\n\n" + md.Fence("sql", s.Origin))
	}
	return b.String()
}
