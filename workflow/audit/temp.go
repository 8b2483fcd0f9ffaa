package audit

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/md"
)

// topStatements is how many statements the temp writes item shows in full.
const topStatements = 3

// tempItem shows temp file writes: database totals, then statements ranked
// by the temp blocks they wrote.
func tempItem(s *Snapshot) workflow.Item {
	db := s.Database
	var b strings.Builder
	b.WriteString("# Temp writes\n\n")
	fmt.Fprintf(&b, "Since the statistics reset, %s wrote %s temp %s, %s in all",
		md.Code(db.Name), count(db.TempFiles), plural(int(min(db.TempFiles, 2)), "file", "files"), md.Bytes(db.TempBytes))
	if d, _ := s.Window(); d.Hours() >= 24 {
		fmt.Fprintf(&b, ", about %s a day over the window", md.Bytes(int64(float64(db.TempBytes)/(d.Hours()/24))))
	}
	b.WriteString(". Temp files are sorts, hashes and other operations that outgrew work_mem and spilled to disk.\n\n")

	if len(s.Statements) == 0 {
		b.WriteString("The snapshot has no pg_stat_statements rows, so the temp writes cannot be attributed to statements.\n")
		return workflow.Item{ID: TempID, Title: "Temp writes", Badge: md.Bytes(db.TempBytes), Detail: b.String()}
	}
	var writers []StatementStats
	for _, st := range s.Statements {
		if st.TempBlksWritten > 0 {
			writers = append(writers, st)
		}
	}
	if len(writers) == 0 {
		fmt.Fprintf(&b, "None of the %d pg_stat_statements rows wrote temp blocks.\n", len(s.Statements))
		return workflow.Item{ID: TempID, Title: "Temp writes", Badge: md.Bytes(db.TempBytes), Detail: b.String()}
	}
	slices.SortStableFunc(writers, func(a, b StatementStats) int { return cmp.Compare(b.TempBlksWritten, a.TempBlksWritten) })

	fmt.Fprintf(&b, "Statements ranked by temp blocks written (temp_blks_written × block size %s):\n\n", md.Bytes(s.Block()))
	rows := make([][]string, 0, len(writers))
	for i, st := range writers {
		written := st.TempBlksWritten * s.Block()
		share := md.None
		if r, ok := ratio(written, db.TempBytes); ok {
			share = percent(r)
		}
		perCall := md.None
		if r, ok := ratio(written, st.Calls); ok {
			perCall = md.Bytes(int64(r))
		}
		rows = append(rows, []string{
			fmt.Sprint(i + 1), md.Code(md.Abbreviate(st.Query, 70)), md.Bytes(written), perCall,
			count(st.Calls), millis(st.MeanExecTimeMs), share,
		})
	}
	md.Table(&b, []string{"#", "Query", "Temp written", "Per call", "Calls", "Mean time", "Share of database temp bytes"}, rows)

	for i, st := range writers[:min(len(writers), topStatements)] {
		fmt.Fprintf(&b, "\n## %d. queryid %d\n\n", i+1, st.QueryID)
		fmt.Fprintf(&b, "%s\n", md.Fence("sql", st.Query))
		fmt.Fprintf(&b, "- Calls: %s, mean %s, total %s\n", count(st.Calls), millis(st.MeanExecTimeMs), millis(st.TotalExecTimeMs))
		if r, ok := ratio(st.Rows, st.Calls); ok {
			fmt.Fprintf(&b, "- Rows: %s (%.1f a call)\n", count(st.Rows), r)
		}
		hit := md.None
		if r, ok := ratio(st.SharedBlksHit, st.SharedBlksHit+st.SharedBlksRead); ok {
			hit = percent(r)
		}
		fmt.Fprintf(&b, "- Shared blocks: %s hit, %s read (%s hit); %s touched a call\n",
			count(st.SharedBlksHit), count(st.SharedBlksRead), hit, perCallSize(s, st))
		fmt.Fprintf(&b, "- Temp written: %s\n", md.Bytes(st.TempBlksWritten*s.Block()))
	}
	return workflow.Item{ID: TempID, Title: "Temp writes", Badge: md.Bytes(db.TempBytes), Detail: b.String()}
}

// perCallSize is the shared buffer traffic of one call of a statement.
func perCallSize(s *Snapshot, st StatementStats) string {
	if r, ok := ratio(st.SharedBlksHit+st.SharedBlksRead, st.Calls); ok {
		return md.Bytes(int64(r * float64(s.Block())))
	}
	return md.None
}
