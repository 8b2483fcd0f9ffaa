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
// notes; when pg_stat_statements evicted entries between the snapshots,
// the statements section is dropped, since its totals no longer add up.
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

	d.Statements = nil
	evicted := 0
	for _, st := range a.Statements {
		if !slices.ContainsFunc(b.Statements, func(x StatementStats) bool { return x.QueryID == st.QueryID }) {
			evicted++
		}
	}
	if evicted > 0 {
		notes = append(notes, "pg_stat_statements dropped "+md.Plural(evicted, "entry", "entries")+" between the snapshots (eviction or reset): per-query figures are left out of the delta")
		d.Sections = append(slices.Clone(d.Sections), Section{Name: "statements", Status: "skipped", Reason: "pg_stat_statements evicted entries during the interval"})
	} else {
		for _, st := range b.Statements {
			i := slices.IndexFunc(a.Statements, func(x StatementStats) bool { return x.QueryID == st.QueryID })
			if i < 0 || st.QueryID == 0 {
				continue // new during the interval, or not attributable
			}
			c, ok := subCounters(a.Statements[i].counters(), st.counters())
			if !ok {
				notes = append(notes, fmt.Sprintf("statement %d: counters went down: left out of the delta", st.QueryID))
				continue
			}
			st.Calls, st.Rows, st.SharedBlksHit, st.SharedBlksRead, st.TempBlksWritten = c[0], c[1], c[2], c[3], c[4]
			st.TempBlksRead -= a.Statements[i].TempBlksRead
			st.TotalExecTimeMs -= a.Statements[i].TotalExecTimeMs
			if st.Calls > 0 {
				st.MeanExecTimeMs = st.TotalExecTimeMs / float64(st.Calls)
			}
			d.Statements = append(d.Statements, st)
		}
	}
	return &d, notes, nil
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
