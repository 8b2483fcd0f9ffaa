package audit

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/md"
)

// seqScanItem ranks tables by the rows their sequential scans read.
func seqScanItem(s *Snapshot) workflow.Item {
	tables := slices.Clone(s.Tables)
	slices.SortStableFunc(tables, func(a, b TableStats) int {
		return cmp.Or(cmp.Compare(b.SeqTupRead, a.SeqTupRead), cmp.Compare(b.SeqScan, a.SeqScan))
	})
	var total int64
	for _, t := range tables {
		total += t.SeqTupRead
	}

	var b strings.Builder
	b.WriteString("# Sequential scans\n\n")
	b.WriteString("Tables ranked by the rows their sequential scans read (seq_tup_read) over the statistics window. " +
		"Rows per scan close to the live row count means each scan reads the whole table; the sequential share is " +
		"seq_scan / (seq_scan + idx_scan).\n\n")
	if len(tables) == 0 {
		b.WriteString("The snapshot lists no tables.\n")
		return workflow.Item{ID: SeqScansID, Title: "Sequential scans", Badge: "no tables", Detail: b.String()}
	}
	rows := make([][]string, 0, len(tables))
	for _, t := range tables {
		rows = append(rows, []string{
			t.Qualified(), count(t.SeqTupRead), count(t.SeqScan), rowsPerScan(t),
			count(t.IdxScan), seqShare(t), count(t.NLiveTup), md.Bytes(t.TotalBytes),
		})
	}
	md.Table(&b, []string{"Table", "Rows read by seq scans", "Seq scans", "Rows per seq scan", "Index scans",
		"Sequential share", "Live rows", "Size"}, rows)

	top := tables[0]
	badge := "no seq scan reads"
	if top.SeqTupRead > 0 {
		share, _ := ratio(top.SeqTupRead, total)
		badge = fmt.Sprintf("%s %s", top.Name, percent(share))
		fmt.Fprintf(&b, "\n## %s\n\n", top.Qualified())
		fmt.Fprintf(&b, "%s accounts for %s of the rows read by sequential scans: %s rows in %s %s",
			md.Code(top.Qualified()), percent(share), count(top.SeqTupRead), count(top.SeqScan), plural(int(min(top.SeqScan, 2)), "scan", "scans"))
		if per, ok := ratio(top.SeqTupRead, top.SeqScan); ok {
			fmt.Fprintf(&b, ", about %s rows a scan", count(int64(per+0.5)))
			if live, ok := ratio(int64(per), top.NLiveTup); ok {
				fmt.Fprintf(&b, " (%.2f × its %s live rows)", live, count(top.NLiveTup))
			}
		}
		fmt.Fprintf(&b, ". It also had %s index scans; %s of its scans were sequential.\n", count(top.IdxScan), seqShare(top))
		b.WriteString(mentions(s, top))
	}
	return workflow.Item{ID: SeqScansID, Title: "Sequential scans", Badge: badge, Detail: b.String()}
}

// rowsPerScan is seq_tup_read / seq_scan, or a dash.
func rowsPerScan(t TableStats) string {
	if per, ok := ratio(t.SeqTupRead, t.SeqScan); ok {
		return count(int64(per + 0.5))
	}
	return md.None
}

// seqShare is the share of a table's scans that were sequential, or a dash.
func seqShare(t TableStats) string {
	if r, ok := ratio(t.SeqScan, t.SeqScan+t.IdxScan); ok {
		return percent(r)
	}
	return md.None
}

// mentions lists the statements whose text names the table, by total time.
func mentions(s *Snapshot, t TableStats) string {
	if len(s.Statements) == 0 {
		return "\nThe snapshot has no pg_stat_statements rows, so the scans cannot be tied to statements.\n"
	}
	word := regexp.MustCompile(`(?i)\b` + regexp.QuoteMeta(t.Name) + `\b`)
	var hits []StatementStats
	for _, st := range s.Statements {
		if word.MatchString(st.Query) {
			hits = append(hits, st)
		}
	}
	if len(hits) == 0 {
		return fmt.Sprintf("\nNo pg_stat_statements row mentions %s.\n", md.Code(t.Name))
	}
	slices.SortStableFunc(hits, func(a, b StatementStats) int { return cmp.Compare(b.TotalExecTimeMs, a.TotalExecTimeMs) })
	var b strings.Builder
	fmt.Fprintf(&b, "\nStatements whose text names %s, by total execution time. This is a text match, not a plan: "+
		"only EXPLAIN shows which of them scan the table sequentially.\n\n", md.Code(t.Name))
	rows := make([][]string, 0, len(hits))
	for _, st := range hits[:min(len(hits), 5)] {
		rows = append(rows, []string{
			md.Code(md.Abbreviate(st.Query, 90)), count(st.Calls), millis(st.MeanExecTimeMs),
			millis(st.TotalExecTimeMs), md.Bytes(st.TempBlksWritten * s.Block()),
		})
	}
	md.Table(&b, []string{"Query", "Calls", "Mean time", "Total time", "Temp written"}, rows)
	if len(hits) > 5 {
		fmt.Fprintf(&b, "\nand %d more.\n", len(hits)-5)
	}
	return b.String()
}
