package audit

import (
	"errors"
	"fmt"
	"slices"

	"github.com/pgrollout/pgrollout/workflow/md"
)

// Delta turns two snapshots of the same database, a taken before b, into a
// snapshot of what happened between them: every counter is b's minus a's,
// StatsReset is a's capture time (so the window is the interval), and
// gauges (sizes, live rows, ages, sequences, bloat) are b's. The same
// checks then read rates instead of totals since the last reset.
//
// A delta is only as good as its counters: when the statistics were reset
// between the snapshots (or the server restarted) the whole delta is
// refused; a table, index or statement whose counters went down, or that
// is missing from either side, is left out of the delta and named in the
// notes. A statement new in b is kept whole, and when pg_stat_statements
// was reset or evicted entries between the snapshots the statements section
// is dropped, since its totals no longer add up (see deltaStatements).
func Delta(a, b *Snapshot) (*Snapshot, []string, error) {
	switch {
	case a == nil || b == nil:
		return nil, nil, errors.New("delta needs two snapshots")
	case !b.CapturedAt.After(a.CapturedAt):
		return nil, nil, fmt.Errorf("the second snapshot (%s) is not later than the first (%s)", rfc3339(b.CapturedAt), rfc3339(a.CapturedAt))
	case a.Database.Name != b.Database.Name:
		return nil, nil, fmt.Errorf("the snapshots are of different databases (%s, %s)", a.Database.Name, b.Database.Name)
	case !a.StatsReset.Equal(b.StatsReset):
		return nil, nil, fmt.Errorf("the statistics were reset between the snapshots (stats_reset %s, then %s): no delta", rfc3339(a.StatsReset), rfc3339(b.StatsReset))
	case !a.PostmasterStart.Equal(b.PostmasterStart):
		return nil, nil, fmt.Errorf("the server restarted between the snapshots (%s, then %s): no delta", rfc3339(a.PostmasterStart), rfc3339(b.PostmasterStart))
	}
	d := *b
	d.StatsReset = a.CapturedAt
	d.PostmasterStart = a.PostmasterStart
	var notes []string

	db, ok := subCounters(a.Database.counters(), b.Database.counters())
	if !ok {
		return nil, nil, errors.New("the database counters went down between the snapshots: no delta")
	}
	d.Database.XactCommit, d.Database.BlksRead, d.Database.BlksHit = db[0], db[1], db[2]
	d.Database.TempFiles, d.Database.TempBytes, d.Database.Deadlocks = db[3], db[4], db[5]

	d.Tables = nil
	for _, t := range b.Tables {
		i := slices.IndexFunc(a.Tables, func(x TableStats) bool { return x.Qualified() == t.Qualified() })
		if i < 0 {
			notes = append(notes, "table "+t.Qualified()+" is new since the first snapshot: left out of the delta")
			continue
		}
		c, ok := subCounters(a.Tables[i].cumulative(), t.cumulative())
		if !ok {
			notes = append(notes, "table "+t.Qualified()+": counters went down (reset or recreated): left out of the delta")
			continue
		}
		t.SeqScan, t.SeqTupRead, t.IdxScan, t.IdxTupFetch = c[0], c[1], c[2], c[3]
		t.NTupIns, t.NTupUpd, t.NTupDel = c[4], c[5], c[6]
		t.HeapBlksRead -= a.Tables[i].HeapBlksRead
		t.HeapBlksHit -= a.Tables[i].HeapBlksHit
		t.IdxBlksRead -= a.Tables[i].IdxBlksRead
		t.IdxBlksHit -= a.Tables[i].IdxBlksHit
		if t.HeapBlksRead < 0 || t.HeapBlksHit < 0 || t.IdxBlksRead < 0 || t.IdxBlksHit < 0 {
			notes = append(notes, "table "+t.Qualified()+": I/O counters went down: left out of the delta")
			continue
		}
		d.Tables = append(d.Tables, t)
	}

	d.Indexes = nil
	for _, x := range b.Indexes {
		i := slices.IndexFunc(a.Indexes, func(y IndexStats) bool { return y.Qualified() == x.Qualified() })
		if i < 0 {
			notes = append(notes, "index "+x.Qualified()+" is new since the first snapshot: left out of the delta")
			continue
		}
		if x.IdxScan < a.Indexes[i].IdxScan || x.IdxTupRead < a.Indexes[i].IdxTupRead {
			notes = append(notes, "index "+x.Qualified()+": counters went down: left out of the delta")
			continue
		}
		x.IdxScan -= a.Indexes[i].IdxScan
		x.IdxTupRead -= a.Indexes[i].IdxTupRead
		d.Indexes = append(d.Indexes, x)
	}

	d.Statements, notes = deltaStatements(a, b, &d, notes)
	return &d, notes, nil
}

// deltaStatements subtracts a's statements from b's, one per queryid (see
// mergeStatements), and sets d's pg_stat_statements window to the
// interval. The section is dropped when pg_stat_statements was reset
// (pg_stat_statements_info.stats_reset changed), when it evicted entries
// (dealloc grew, or an entry of a is gone from b): an entry evicted and
// created again restarts from zero, and subtracting its counters would give
// wrong figures that may well be positive. A statement new since a is
// kept whole: all of its counters are the interval's. A statement whose
// counters went down anyway is left out with a note; rows hidden from the
// role (queryid 0) cannot be matched and are left out.
func deltaStatements(a, b, d *Snapshot, notes []string) ([]StatementStats, []string) {
	pa, pb := pgssOf(a), pgssOf(b)
	if pb != nil {
		srv, p := *d.Server, *pb
		p.StatsReset, p.Dealloc = a.CapturedAt, 0
		if pa != nil {
			p.Dealloc = max(pb.Dealloc-pa.Dealloc, 0)
		}
		srv.PGSS = &p
		d.Server = &srv
	}
	var dropped string
	evicted := 0
	for _, st := range a.Statements {
		if st.QueryID == 0 {
			continue // hidden rows are not matched (see below)
		}
		if !slices.ContainsFunc(b.Statements, func(x StatementStats) bool { return x.QueryID == st.QueryID }) {
			evicted++
		}
	}
	switch {
	case pa != nil && pb != nil && !pa.StatsReset.IsZero() && !pb.StatsReset.IsZero() && !pa.StatsReset.Equal(pb.StatsReset):
		dropped = fmt.Sprintf("pg_stat_statements was reset between the snapshots (stats_reset %s, then %s)", rfc3339(pa.StatsReset), rfc3339(pb.StatsReset))
	case pa != nil && pb != nil && !pa.StatsReset.IsZero() && pb.Dealloc > pa.Dealloc:
		dropped = fmt.Sprintf("pg_stat_statements evicted entries %s between the snapshots (dealloc %d, then %d)",
			md.Plural(int(pb.Dealloc-pa.Dealloc), "time", "times"), pa.Dealloc, pb.Dealloc)
	case evicted > 0:
		dropped = "pg_stat_statements dropped " + md.Plural(evicted, "entry", "entries") + " between the snapshots (eviction or reset)"
	}
	if dropped != "" {
		notes = append(notes, dropped+": per-query figures are left out of the delta")
		sec := Section{Name: SectionStatements, Status: SectionSkipped, Reason: dropped}
		d.Sections = slices.Clone(d.Sections)
		if i := slices.IndexFunc(d.Sections, func(x Section) bool { return x.Name == SectionStatements }); i >= 0 {
			d.Sections[i] = sec
		} else {
			d.Sections = append(d.Sections, sec)
		}
		return nil, notes
	}
	var out []StatementStats
	hidden := 0
	for _, st := range b.Statements {
		if st.QueryID == 0 {
			hidden++ // not attributable
			continue
		}
		i := slices.IndexFunc(a.Statements, func(x StatementStats) bool { return x.QueryID == st.QueryID })
		if i < 0 {
			// New since a, and nothing evicted or reset: all of its
			// counters are the interval's.
			out = append(out, st)
			continue
		}
		c, ok := subCounters(a.Statements[i].counters(), st.counters())
		if !ok || st.TempBlksRead < a.Statements[i].TempBlksRead || st.TotalExecTimeMs < a.Statements[i].TotalExecTimeMs {
			notes = append(notes, fmt.Sprintf("statement %d: counters went down: left out of the delta", st.QueryID))
			continue
		}
		st.Calls, st.Rows, st.SharedBlksHit, st.SharedBlksRead, st.TempBlksWritten = c[0], c[1], c[2], c[3], c[4]
		st.TempBlksRead -= a.Statements[i].TempBlksRead
		st.TotalExecTimeMs -= a.Statements[i].TotalExecTimeMs
		st.MeanExecTimeMs = 0
		if st.Calls > 0 {
			st.MeanExecTimeMs = st.TotalExecTimeMs / float64(st.Calls)
		}
		out = append(out, st)
	}
	if hidden > 0 {
		reason := fmt.Sprintf("%s hidden from the role (no queryid) cannot be matched between the snapshots and %s left out of the delta",
			md.Plural(hidden, "statement", "statements"), plural(hidden, "is", "are"))
		notes = append(notes, reason)
		d.Sections = slices.Clone(d.Sections)
		if i := slices.IndexFunc(d.Sections, func(x Section) bool { return x.Name == SectionStatements }); i >= 0 {
			d.Sections[i] = Section{Name: SectionStatements, Status: SectionPartial, Reason: reason}
		}
	}
	return out, notes
}

// pgssOf is what a snapshot recorded of pg_stat_statements, or nil.
func pgssOf(s *Snapshot) *PGSSInfo {
	if s.Server == nil {
		return nil
	}
	return s.Server.PGSS
}

// cumulative lists the table's counters that only grow between resets
// (live rows and sizes are gauges, not counters).
func (t TableStats) cumulative() []counter {
	return []counter{
		{"seq_scan", t.SeqScan}, {"seq_tup_read", t.SeqTupRead}, {"idx_scan", t.IdxScan}, {"idx_tup_fetch", t.IdxTupFetch},
		{"n_tup_ins", t.NTupIns}, {"n_tup_upd", t.NTupUpd}, {"n_tup_del", t.NTupDel},
	}
}

// subCounters returns b - a per counter, and false when one went down.
func subCounters(a, b []counter) ([]int64, bool) {
	out := make([]int64, len(b))
	for i := range b {
		out[i] = b[i].value - a[i].value
		if out[i] < 0 {
			return nil, false
		}
	}
	return out, true
}
