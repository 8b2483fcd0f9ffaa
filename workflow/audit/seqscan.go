package audit

import (
	"cmp"
	"fmt"
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
	}
	b.WriteString("\nThe seq-scan-pressure findings name the tables above its thresholds, with the statements that read them.\n")
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
