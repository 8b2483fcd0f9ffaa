package audit

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/md"
)

// FindingDiff compares the findings of two audits of the same database.
type FindingDiff struct {
	// Resolved were in the first audit and are gone from the second; New
	// appear only in the second; Kept are in both, as the second has them.
	Resolved, New, Kept []Finding
	// Changed lists the kept findings whose severity moved, "check object:
	// warning -> error".
	Changed []string
}

// key identifies a finding across audits: its check and object.
func (f Finding) key() string { return f.Check + " " + f.Object }

// DiffReports compares two reports, before then after.
func DiffReports(before, after Report) FindingDiff {
	var d FindingDiff
	for _, f := range after.Findings {
		i := slices.IndexFunc(before.Findings, func(b Finding) bool { return b.key() == f.key() })
		if i < 0 {
			d.New = append(d.New, f)
			continue
		}
		d.Kept = append(d.Kept, f)
		if b := before.Findings[i]; b.Severity != f.Severity {
			d.Changed = append(d.Changed, fmt.Sprintf("%s %s: %s -> %s", f.Check, f.Object, b.Severity, f.Severity))
		}
	}
	for _, f := range before.Findings {
		if !slices.ContainsFunc(after.Findings, func(a Finding) bool { return a.key() == f.key() }) {
			d.Resolved = append(d.Resolved, f)
		}
	}
	return d
}

// Markdown renders the comparison: what was resolved, what is new, what
// stayed (and whose severity moved).
func (d FindingDiff) Markdown(before, after Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Audit before and after\n\nBefore: %s (%s). After: %s (%s).\n\n",
		md.Time(before.CapturedAt), md.Text(before.Window), md.Time(after.CapturedAt), md.Text(after.Window))
	fmt.Fprintf(&b, "%s resolved, %s new, %s still open.\n", md.Plural(len(d.Resolved), "finding", "findings"),
		md.Plural(len(d.New), "finding", "findings"), md.Plural(len(d.Kept), "finding", "findings"))
	section := func(title string, fs []Finding) {
		if len(fs) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n## %s\n\n", title)
		for _, f := range fs {
			fmt.Fprintf(&b, "- **%s** %s %s: %s\n", f.Severity, md.Code(f.Check), md.Code(f.Object), md.Text(f.Message))
		}
	}
	section("Resolved", d.Resolved)
	section("New", d.New)
	section("Still open", d.Kept)
	if len(d.Changed) > 0 {
		b.WriteString("\n## Severity moved\n\n")
		for _, c := range d.Changed {
			b.WriteString("- " + md.Text(c) + "\n")
		}
	}
	return b.String()
}

// Tone says how the comparison reads: good when nothing is new, bad when a
// new finding is an error.
func (d FindingDiff) Tone() workflow.Tone {
	switch {
	case slices.ContainsFunc(d.New, func(f Finding) bool { return f.Severity == workflow.SeverityError }):
		return workflow.ToneBad
	case len(d.New) > 0:
		return workflow.ToneWarn
	}
	return workflow.ToneGood
}
