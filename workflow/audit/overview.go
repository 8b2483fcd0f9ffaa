package audit

import (
	"fmt"
	"strings"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/md"
)

// overviewItem shows what the snapshot is, the database-wide numbers, how
// each check went and how many findings they raised.
func overviewItem(file string, s *Snapshot, r Report) workflow.Item {
	var b strings.Builder
	db := s.Database
	fmt.Fprintf(&b, "# Statistics snapshot: %s\n\n", md.Text(db.Name))
	fmt.Fprintf(&b, "Read from %s. The counters are cumulative since the statistics were last reset, so the findings "+
		"describe that whole window; how things are moving now takes two snapshots.\n\n", md.Code(file))
	fmt.Fprintf(&b, "- Server: PostgreSQL %s%s\n", md.Text(s.ServerVersion), serverNote(s))
	if s.Server != nil {
		fmt.Fprintf(&b, "- Read as: %s\n", md.Text(readAs(s.Server)))
	}
	fmt.Fprintf(&b, "- Database: %s\n", md.Code(db.Name))
	fmt.Fprintf(&b, "- Captured at: %s\n", md.Time(s.CapturedAt))
	fmt.Fprintf(&b, "- Statistics reset: %s\n", md.Time(s.StatsReset))
	fmt.Fprintf(&b, "- Server started: %s\n", md.Time(s.PostmasterStart))
	fmt.Fprintf(&b, "- Statistics window: %s\n", windowText(s))

	hit := "no blocks read or hit"
	if r, ok := s.CacheHitRatio(); ok {
		hit = fmt.Sprintf("%s (%s blocks found in shared buffers, %s read from disk or the OS cache)",
			percent(r), count(db.BlksHit), count(db.BlksRead))
	}
	fmt.Fprintf(&b, "- Cache hit ratio: %s\n", hit)
	fmt.Fprintf(&b, "- Commits: %s%s\n", count(db.XactCommit), perSecond(s, db.XactCommit))
	temp := fmt.Sprintf("%s files, %s", count(db.TempFiles), md.Bytes(db.TempBytes))
	if avg, ok := ratio(db.TempBytes, db.TempFiles); ok {
		temp += fmt.Sprintf(" (%s a file on average)", md.Bytes(int64(avg)))
	}
	fmt.Fprintf(&b, "- Temp files: %s\n", temp)
	fmt.Fprintf(&b, "- Deadlocks: %s\n", count(db.Deadlocks))

	var tableBytes, indexBytes int64
	for _, t := range s.Tables {
		tableBytes += t.TotalBytes
	}
	for _, x := range s.Indexes {
		if !x.Partitioned { // its size is its partitions' indexes', counted too
			indexBytes += x.SizeBytes
		}
	}
	fmt.Fprintf(&b, "\nThe snapshot lists %d %s (%s with their indexes and TOAST), %d %s (%s) and ",
		len(s.Tables), plural(len(s.Tables), "table", "tables"), md.Bytes(tableBytes),
		len(s.Indexes), plural(len(s.Indexes), "index", "indexes"), md.Bytes(indexBytes))
	if len(s.Statements) == 0 {
		b.WriteString("no pg_stat_statements rows: statements cannot be attributed.\n")
	} else {
		fmt.Fprintf(&b, "%d pg_stat_statements %s.\n", len(s.Statements), plural(len(s.Statements), "row", "rows"))
	}

	b.WriteString("\n## Checks\n\n")
	counts := severityCounts(r)
	rows := make([][]string, 0, len(r.Capabilities))
	for _, c := range r.Capabilities {
		rows = append(rows, []string{c.Check, string(c.Status), c.Reason, findingCount(counts[c.Check])})
	}
	md.Table(&b, []string{"Check", "Status", "Reason", "Findings"}, rows)
	total := map[workflow.Severity]int{}
	for _, n := range counts {
		for sev, k := range n {
			total[sev] += k
		}
	}
	fmt.Fprintf(&b, "\n%s in all.\n", findingCount(total))

	badge := "no window"
	if d, exact := s.Window(); d > 0 {
		// The badge keeps the largest unit ("14 d window"); the detail has it all.
		f := strings.Fields(span(d)) // "42s" below a minute, else "14 d 3 h ..."
		badge = strings.Join(f[:min(2, len(f))], " ") + " window"
		if !exact {
			badge = "≥ " + badge
		}
	}
	return workflow.Item{ID: OverviewID, Title: "Statistics snapshot", Badge: badge, Detail: b.String()}
}

// windowText describes the statistics window and where it comes from.
func windowText(s *Snapshot) string {
	d, exact := s.Window()
	switch {
	case d <= 0 && s.StatsReset.IsZero() && s.PostmasterStart.IsZero():
		return "unknown (neither stats_reset nor postmaster_start recorded)"
	case exact:
		return fmt.Sprintf("%s (captured_at − stats_reset)", span(d))
	}
	return fmt.Sprintf("at least %s (stats_reset not recorded, so counted from the server start; "+
		"statistics survive a clean restart, so the real window may be longer)", span(d))
}

// perSecond adds an average rate over the window to a counter, when known.
func perSecond(s *Snapshot, n int64) string {
	d, _ := s.Window()
	if d.Seconds() < 1 {
		return ""
	}
	return fmt.Sprintf(" (%s a second on average over the window)", count(int64(float64(n)/d.Seconds()+0.5)))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// findingCount renders finding counts by severity: "1 error, 3 warnings",
// or "no findings".
func findingCount(n map[workflow.Severity]int) string {
	var parts []string
	for _, sev := range []workflow.Severity{workflow.SeverityError, workflow.SeverityWarning, workflow.SeverityInfo} {
		if n[sev] > 0 {
			parts = append(parts, md.Plural(n[sev], string(sev), map[workflow.Severity]string{
				workflow.SeverityError: "errors", workflow.SeverityWarning: "warnings", workflow.SeverityInfo: "info"}[sev]))
		}
	}
	if len(parts) == 0 {
		return "no findings"
	}
	return strings.Join(parts, ", ")
}
