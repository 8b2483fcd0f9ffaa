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
// scans and the invalid ones.
func indexItem(s *Snapshot) workflow.Item {
	indexes := slices.Clone(s.Indexes)
	slices.SortStableFunc(indexes, func(a, b IndexStats) int {
		return cmp.Or(cmp.Compare(a.QualifiedTable(), b.QualifiedTable()), cmp.Compare(b.SizeBytes, a.SizeBytes))
	})
	var total int64
	var idle, invalid []IndexStats
	rows := make([][]string, 0, len(indexes))
	for _, x := range indexes {
		total += x.SizeBytes
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

	if len(idle) > 0 {
		fmt.Fprintf(&b, "\n## No scans in %s\n\n", window)
		for _, x := range idle {
			fmt.Fprintf(&b, "- %s on %s: %s, %s\n  %s\n", md.Code(x.Qualified()), md.Code(x.QualifiedTable()),
				md.Bytes(x.SizeBytes), role(x), md.Code(x.Definition))
		}
		b.WriteString("\nNo scans is not the same as droppable: a unique or primary index enforces a constraint " +
			"whether or not queries use it, an index may back a foreign key's checks, the counters belong to this " +
			"server only (a replica may use the index), and they start again at every statistics reset.\n")
	}
	if len(invalid) > 0 {
		b.WriteString("\n## Not valid\n\n")
		for _, x := range invalid {
			fmt.Fprintf(&b, "- %s on %s: %s; an invalid index is kept up to date on writes but never used for reads "+
				"(often a failed CREATE INDEX CONCURRENTLY, or one still being built)\n",
				md.Code(x.Qualified()), md.Code(x.QualifiedTable()), md.Bytes(x.SizeBytes))
		}
	}

	badge, tone := fmt.Sprintf("%d %s", len(indexes), plural(len(indexes), "index", "indexes")), workflow.ToneNeutral
	var flags []string
	if len(invalid) > 0 {
		flags = append(flags, fmt.Sprintf("%d not valid", len(invalid)))
	}
	if len(idle) > 0 {
		flags = append(flags, fmt.Sprintf("%d unscanned", len(idle)))
	}
	if len(flags) > 0 {
		badge, tone = strings.Join(flags, ", "), workflow.ToneWarn
	}
	return workflow.Item{ID: IndexesID, Title: "Index usage and sizes", Badge: badge, Tone: tone, Detail: b.String()}
}

// role says what an index is besides an access path.
func role(x IndexStats) string {
	switch {
	case x.Primary:
		return "the primary key"
	case x.Unique:
		return "unique: it enforces a constraint"
	}
	return "neither unique nor primary"
}

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}
