package audit

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/pgrollout/pgrollout/workflow/internal/jsonpos"
	"github.com/pgrollout/pgrollout/workflow/md"
)

// mergeStatements folds pg_stat_statements rows into one statement per
// queryid: pg_stat_statements keeps a row per role (and per database, and
// per toplevel since 1.9) for the same statement. Counters and times are
// summed, the mean is the summed time over the summed calls, and the text
// is that of the row with the most calls (the texts of one queryid differ
// only by what the first call of each row was written with). Rows whose
// queryid is hidden (zero) cannot be told apart and stay as they are. The
// result is ordered by total time, most first, then by queryid (then
// calls and text, for the hidden rows).
func mergeStatements(rows []StatementStats) []StatementStats {
	out := make([]StatementStats, 0, len(rows))
	at := map[int64]int{}
	for _, r := range rows {
		i, seen := at[r.QueryID]
		if r.QueryID == 0 || !seen {
			if r.QueryID != 0 {
				at[r.QueryID] = len(out)
			}
			out = append(out, r)
			continue
		}
		m := &out[i]
		if r.Calls > m.Calls || (r.Calls == m.Calls && r.Query < m.Query) {
			m.Query = r.Query
		}
		m.Calls += r.Calls
		m.TotalExecTimeMs += r.TotalExecTimeMs
		m.Rows += r.Rows
		m.SharedBlksHit += r.SharedBlksHit
		m.SharedBlksRead += r.SharedBlksRead
		m.TempBlksWritten += r.TempBlksWritten
		m.TempBlksRead += r.TempBlksRead
		if m.Calls > 0 {
			m.MeanExecTimeMs = m.TotalExecTimeMs / float64(m.Calls)
		}
	}
	slices.SortStableFunc(out, func(a, b StatementStats) int {
		return cmp.Or(cmp.Compare(b.TotalExecTimeMs, a.TotalExecTimeMs), cmp.Compare(a.QueryID, b.QueryID),
			cmp.Compare(b.Calls, a.Calls), cmp.Compare(a.Query, b.Query))
	})
	return out
}

// checkPGSS applies ParseSnapshot's rules to what the probe recorded of
// pg_stat_statements: dealloc is not negative and stats_reset not after
// captured_at.
func (s *Snapshot) checkPGSS(doc *jsonpos.Doc) error {
	if s.Server == nil || s.Server.PGSS == nil {
		return nil
	}
	p := s.Server.PGSS
	at := []any{"server", "pg_stat_statements"}
	if p.Dealloc < 0 {
		return doc.Locate(fmt.Errorf("pg_stat_statements: dealloc is negative (%d)", p.Dealloc), append(at, "dealloc")...)
	}
	if !p.StatsReset.IsZero() && s.CapturedAt.Before(p.StatsReset) {
		return doc.Locate(errors.New("pg_stat_statements: stats_reset "+rfc3339(p.StatsReset)+" is after captured_at "+rfc3339(s.CapturedAt)),
			append(at, "stats_reset")...)
	}
	return nil
}

// pgssWindow says over what time pg_stat_statements' counters accumulated:
// since its own reset (pg_stat_statements_info, 1.9+) when known, which
// need not be the database's window.
func (a *analysis) pgssWindow() string {
	if srv := a.s.Server; srv != nil && srv.PGSS != nil && !srv.PGSS.StatsReset.IsZero() {
		return fmt.Sprintf("%s since pg_stat_statements' stats_reset (%s)", span(a.s.CapturedAt.Sub(srv.PGSS.StatsReset)), md.Time(srv.PGSS.StatsReset))
	}
	return "since pg_stat_statements was last reset, at a time not recorded (pg_stat_statements_info, 1.9+, has it); " +
		"the database's window is " + a.window
}
