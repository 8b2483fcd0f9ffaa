package audit

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/md"
)

// noScans is the note on an index that was not scanned in the window.
const noScans = "no scans in the window"

// indexItem lists indexes with their use and size, noting the ones without
// scans and the invalid ones; the findings say what to do about them.
func indexItem(s *Snapshot) workflow.Item {
	indexes := slices.Clone(s.Indexes)
	slices.SortStableFunc(indexes, func(a, b IndexStats) int {
		return cmp.Or(cmp.Compare(a.QualifiedTable(), b.QualifiedTable()), cmp.Compare(b.SizeBytes, a.SizeBytes))
	})
	var total int64
	var idle, invalid []IndexStats
	rows := make([][]string, 0, len(indexes))
	for _, x := range indexes {
		if !x.Partitioned { // its size is its partitions' indexes', listed too
			total += x.SizeBytes
		}
		var notes []string
		if x.IdxScan == 0 {
			idle = append(idle, x)
			notes = append(notes, noScans)
		}
		if !x.Valid {
			invalid = append(invalid, x)
			notes = append(notes, "not valid")
		}
		rows = append(rows, []string{
			x.Name, x.QualifiedTable(), count(x.IdxScan), count(x.IdxTupRead), md.Bytes(x.SizeBytes),
			yesNo(x.Unique), yesNo(x.Primary), yesNo(x.Valid), strings.Join(notes, "; "),
		})
	}

	var b strings.Builder
	b.WriteString("# Index usage and sizes\n\n")
	if len(indexes) == 0 {
		b.WriteString("The snapshot lists no indexes.\n")
		return workflow.Item{ID: IndexesID, Title: "Index usage and sizes", Badge: "no indexes", Detail: b.String()}
	}
	window := "the window"
	if d, _ := s.Window(); d > 0 {
		window = "the " + span(d) + " window"
	}
	validity := "all are valid"
	if len(invalid) > 0 {
		validity = fmt.Sprintf("%d %s not valid", len(invalid), plural(len(invalid), "is", "are"))
	}
	fmt.Fprintf(&b, "%d %s, %s in all. %d had no scans in %s; %s.\n\n",
		len(indexes), plural(len(indexes), "index", "indexes"), md.Bytes(total), len(idle), window, validity)
	md.Table(&b, []string{"Index", "Table", "Scans", "Tuples read", "Size", "Unique", "Primary", "Valid", "Note"}, rows)

	b.WriteString("\nThe unused-index, duplicate-index, redundant-index and invalid-index findings say which of these to act on, " +
		"and which to keep whatever their scans.\n")

	// The badge counts; the findings carry the verdicts and their tones.
	badge := fmt.Sprintf("%d %s", len(indexes), plural(len(indexes), "index", "indexes"))
	var flags []string
	if len(invalid) > 0 {
		flags = append(flags, fmt.Sprintf("%d not valid", len(invalid)))
	}
	if len(idle) > 0 {
		flags = append(flags, fmt.Sprintf("%d unscanned", len(idle)))
	}
	if len(flags) > 0 {
		badge = strings.Join(flags, ", ")
	}
	return workflow.Item{ID: IndexesID, Title: "Index usage and sizes", Badge: badge, Detail: b.String()}
}

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}
