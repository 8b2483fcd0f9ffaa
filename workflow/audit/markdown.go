package audit

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/md"
)

// Markdown renders a report as audit-report.md, in postgres-checkup's shape
// (reference §11.4): a title with the database, server version and
// statistics window; what was read and by whom; a table of contents; a
// summary table (each check's status and its findings by severity); then per
// check its status with the degraded or skipped reason, Observations (what it
// looked at and the evidence), Conclusions (the findings) and
// Recommendations (remediation and undo SQL). s, when not nil, is the
// snapshot the report was computed from and adds the server details.
func Markdown(r Report, s *Snapshot) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Audit report: %s (PostgreSQL %s)\n\n", md.Text(r.Database), md.Text(r.ServerVersion))
	fmt.Fprintf(&b, "- Database: %s\n", md.Code(r.Database))
	fmt.Fprintf(&b, "- Server: PostgreSQL %s%s\n", md.Text(r.ServerVersion), serverNote(s))
	fmt.Fprintf(&b, "- Captured at: %s\n", md.Time(r.CapturedAt))
	fmt.Fprintf(&b, "- Statistics window: %s\n", md.Text(r.Window))
	if s != nil && s.Server != nil {
		fmt.Fprintf(&b, "- Read as: %s\n", md.Text(readAs(s.Server)))
	}
	b.WriteString("\nRead-only: every figure below comes from the statistics views and catalogs, read without changing anything. " +
		"Counters are cumulative over the statistics window; sizes, ages and estimates are as of the capture time. " +
		"The SQL under Recommendations is for the owners to review and run; nothing here has run it.\n")

	b.WriteString("\n## Contents\n\n- [Summary](#summary)\n")
	for _, c := range r.Capabilities {
		fmt.Fprintf(&b, "- [%s](#%s)\n", md.Text(Title(c.Check)), anchor(checkHeading(c.Check)))
	}

	b.WriteString("\n## Summary\n\n")
	counts := severityCounts(r)
	var rows [][]string
	total := map[workflow.Severity]int{}
	for _, c := range r.Capabilities {
		n := counts[c.Check]
		for sev, k := range n {
			total[sev] += k
		}
		rows = append(rows, []string{Title(c.Check), md.Code(c.Check), statusText(c), countCell(n[workflow.SeverityError]),
			countCell(n[workflow.SeverityWarning]), countCell(n[workflow.SeverityInfo])})
	}
	rows = append(rows, []string{"**Total**", "", "", countCell(total[workflow.SeverityError]),
		countCell(total[workflow.SeverityWarning]), countCell(total[workflow.SeverityInfo])})
	md.Table(&b, []string{"Check", "Id", "Status", "Errors", "Warnings", "Info"}, rows)

	for _, c := range r.Capabilities {
		writeCheck(&b, c, findingsOf(r, c.Check))
	}
	return b.String()
}

// writeCheck writes one check's section.
func writeCheck(b *strings.Builder, c CheckResult, fs []Finding) {
	fmt.Fprintf(b, "\n## %s\n\n", checkHeading(c.Check))
	fmt.Fprintf(b, "Status: **%s**", c.Status)
	if c.Reason != "" {
		fmt.Fprintf(b, ": %s", md.Text(c.Reason))
	}
	b.WriteString(".\n")
	if c.Status == StatusSkipped {
		return
	}

	b.WriteString("\n### Observations\n\n")
	for _, o := range c.Observations {
		fmt.Fprintf(b, "- %s\n", md.Text(o))
	}
	if len(fs) > 0 {
		if len(c.Observations) > 0 {
			b.WriteString("\n")
		}
		evidenceTable(b, fs)
		if w := fs[0].Window; w != "" {
			fmt.Fprintf(b, "\nWindow: %s.\n", md.Text(w))
		}
	}

	b.WriteString("\n### Conclusions\n\n")
	if len(fs) == 0 {
		b.WriteString("No findings.\n")
		return
	}
	// What every finding of the check shares is said once.
	why, caveats := sharedWhy(fs), sharedCaveats(fs)
	if why != "" {
		fmt.Fprintf(b, "Why it matters: %s\n\n", md.Text(why))
	}
	for i, f := range fs {
		fmt.Fprintf(b, "%d. **%s** %s: %s\n", i+1, f.Severity, md.Code(f.Object), md.Text(f.Message))
		if why == "" {
			fmt.Fprintf(b, "   - Why it matters: %s\n", md.Text(f.Why))
		}
		for _, cv := range f.Caveats {
			if !slices.Contains(caveats, cv) {
				fmt.Fprintf(b, "   - Caveat: %s\n", md.Text(cv))
			}
		}
	}
	if len(caveats) > 0 {
		b.WriteString("\nCaveats:\n\n")
		for _, cv := range caveats {
			fmt.Fprintf(b, "- %s\n", md.Text(cv))
		}
	}

	b.WriteString("\n### Recommendations\n")
	// Findings with the same remediation and undo share one block.
	for i := 0; i < len(fs); {
		j := i + 1
		for j < len(fs) && fs[j].Remediation == fs[i].Remediation && fs[j].Undo == fs[i].Undo {
			j++
		}
		objects := make([]string, 0, j-i)
		for _, f := range fs[i:j] {
			objects = append(objects, md.Code(f.Object))
		}
		fmt.Fprintf(b, "\n#### %s\n\n", strings.Join(objects, ", "))
		writeSQL(b, fs[i])
		i = j
	}
}

// sharedWhy is the why of a check's findings when they all say the same,
// else "". A single finding's is shared.
func sharedWhy(fs []Finding) string {
	for _, f := range fs[1:] {
		if f.Why != fs[0].Why {
			return ""
		}
	}
	return fs[0].Why
}

// sharedCaveats lists the caveats every finding of a check has, when there
// are two findings or more.
func sharedCaveats(fs []Finding) []string {
	if len(fs) < 2 {
		return nil
	}
	var out []string
	for _, c := range fs[0].Caveats {
		if !slices.ContainsFunc(fs[1:], func(f Finding) bool { return !slices.Contains(f.Caveats, c) }) {
			out = append(out, c)
		}
	}
	return out
}

// writeSQL writes a finding's remediation and undo as fenced SQL.
func writeSQL(b *strings.Builder, f Finding) {
	if f.Remediation == "" {
		b.WriteString("No change recommended: see the conclusion.\n")
		return
	}
	b.WriteString(md.Fence("sql", f.Remediation))
	if f.Undo != "" {
		b.WriteString("\nUndo:\n\n" + md.Fence("sql", f.Undo))
	}
}

// evidenceTable writes one row per finding, one column per evidence name
// (in order of first appearance).
func evidenceTable(b *strings.Builder, fs []Finding) {
	var names []string
	seen := map[string]bool{}
	for _, f := range fs {
		for _, e := range f.Evidence {
			if !seen[e.Name] {
				seen[e.Name] = true
				names = append(names, e.Name)
			}
		}
	}
	if len(names) > evidenceColumns {
		// Too wide for one table: one small table per finding instead.
		for i, f := range fs {
			if i > 0 {
				b.WriteString("\n")
			}
			fmt.Fprintf(b, "%s:\n\n", md.Code(f.Object))
			evidenceRows(b, f)
		}
		return
	}
	rows := make([][]string, 0, len(fs))
	for _, f := range fs {
		row := []string{md.Code(f.Object)}
		for _, n := range names {
			row = append(row, evidenceValue(f, n))
		}
		rows = append(rows, row)
	}
	md.Table(b, append([]string{"Object"}, names...), rows)
}

// evidenceColumns is how many evidence names one table of a check's
// findings may have before each finding gets its own.
const evidenceColumns = 8

// evidenceRows writes a finding's evidence as a two-column table.
func evidenceRows(b *strings.Builder, f Finding) {
	rows := make([][]string, 0, len(f.Evidence))
	for _, e := range f.Evidence {
		rows = append(rows, []string{e.Name, e.Value})
	}
	md.Table(b, []string{"Evidence", "Value"}, rows)
}

func evidenceValue(f Finding, name string) string {
	for _, e := range f.Evidence {
		if e.Name == name {
			return e.Value
		}
	}
	return md.None
}

// FindingMarkdown renders one finding on its own, as the Audit screen shows
// it: the message, severity, check and window, the evidence table, why it
// matters, the remediation and undo SQL, and the caveats. level is the level
// of its top heading.
func FindingMarkdown(f Finding, level int) string {
	var b strings.Builder
	h := strings.Repeat("#", max(1, level))
	fmt.Fprintf(&b, "%s %s: %s\n\n%s\n\n", h, md.Text(Title(f.Check)), md.Text(f.Object), md.Text(f.Message))
	fmt.Fprintf(&b, "- Severity: **%s**\n- Check: %s\n", f.Severity, md.Code(f.Check))
	if f.Window != "" {
		fmt.Fprintf(&b, "- Window: %s\n", md.Text(f.Window))
	}
	if len(f.Evidence) > 0 {
		fmt.Fprintf(&b, "\n%s# Evidence\n\n", h)
		evidenceRows(&b, f)
	}
	fmt.Fprintf(&b, "\n%s# Why it matters\n\n%s\n", h, md.Text(f.Why))
	fmt.Fprintf(&b, "\n%s# Remediation\n\n", h)
	writeSQL(&b, f)
	if len(f.Caveats) > 0 {
		fmt.Fprintf(&b, "\n%s# Caveats\n\n", h)
		for _, c := range f.Caveats {
			fmt.Fprintf(&b, "- %s\n", md.Text(c))
		}
	}
	return b.String()
}

// checkHeading is a check's section heading: its title and id.
func checkHeading(check string) string {
	return fmt.Sprintf("%s (%s)", Title(check), check)
}

// anchor is the fragment GitHub gives a heading: lower case, spaces to
// hyphens, punctuation other than hyphens and underscores dropped.
func anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		}
	}
	return b.String()
}

// statusText is a check's status for the summary table.
func statusText(c CheckResult) string {
	if c.Reason == "" {
		return string(c.Status)
	}
	return fmt.Sprintf("%s: %s", c.Status, c.Reason)
}

// severityCounts counts each check's findings by severity.
func severityCounts(r Report) map[string]map[workflow.Severity]int {
	out := map[string]map[workflow.Severity]int{}
	for _, f := range r.Findings {
		if out[f.Check] == nil {
			out[f.Check] = map[workflow.Severity]int{}
		}
		out[f.Check][f.Severity]++
	}
	return out
}

// findingsOf returns a check's findings, in report order.
func findingsOf(r Report, check string) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Check == check {
			out = append(out, f)
		}
	}
	return out
}

func countCell(n int) string {
	if n == 0 {
		return md.None
	}
	return fmt.Sprint(n)
}

// serverNote adds the recovery state and version number to the server line.
func serverNote(s *Snapshot) string {
	if s == nil || s.Server == nil {
		return ""
	}
	role := "primary"
	if s.Server.InRecovery {
		role = "standby (in recovery)"
	}
	return fmt.Sprintf(" (%d), %s", s.Server.VersionNum, role)
}

// readAs describes the collecting role and what it may read.
func readAs(srv *ServerInfo) string {
	who := "role " + cmpNone(srv.User)
	switch {
	case srv.Superuser:
		who += ", a superuser"
	case len(srv.Roles) > 0:
		who += ", member of " + strings.Join(srv.Roles, ", ")
	default:
		who += ", without monitoring roles"
	}
	return who
}
