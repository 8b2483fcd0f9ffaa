package audit

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/md"
)

// Thresholds of cache-hit-ratio: pghero's cache_hit_rate_threshold is 99 %
// (reference §3, §4.7); the table part looks at the 3 tables that read the
// most blocks, as §4.7's query ranks them.
const (
	cacheHitThreshold = 0.99
	cacheTopTables    = 3
)

// checkCacheHitRatio warns when the database found fewer than 99 % of the
// blocks it needed in shared buffers, and notes which of the tables reading
// the most blocks (pg_statio_user_tables) are below that too.
func checkCacheHitRatio(a *analysis) outcome {
	var o outcome
	if !a.counting(&o) {
		return o
	}
	db := a.s.Database
	r, ok := a.s.CacheHitRatio()
	if !ok {
		o.skip = "the database read no blocks in the window"
		return o
	}
	o.observe("database hit ratio %s: %s blocks hit, %s read", percent(r), count(db.BlksHit), count(db.BlksRead))
	if r < cacheHitThreshold {
		f := finding(workflow.SeverityWarning, "database "+db.Name, a.window)
		f.Message = fmt.Sprintf("%s found %s of the blocks it needed in shared buffers, under the 99 %% pghero expects: "+
			"%s blocks (%s) came from the OS cache or disk.", db.Name, percent(r), count(db.BlksRead), md.Bytes(db.BlksRead*a.s.Block()))
		f.ev("Hit ratio", percent(r))
		f.ev("Blocks hit", count(db.BlksHit))
		f.ev("Blocks read", count(db.BlksRead))
		f.ev("Read", md.Bytes(db.BlksRead*a.s.Block()))
		if v, ok := a.setting("shared_buffers"); ok {
			f.ev("shared_buffers", v)
		}
		cacheAdvice(a, &f)
		o.findings = append(o.findings, f)
	}

	var tables []*TableStats
	for i := range a.s.Tables {
		if t := &a.s.Tables[i]; t.HeapBlksRead+t.HeapBlksHit+t.IdxBlksRead+t.IdxBlksHit > 0 {
			tables = append(tables, t)
		}
	}
	if len(tables) == 0 {
		if len(a.s.Tables) > 0 {
			o.degrade("no per-table block counts in the window (pg_statio_user_tables not collected, or no table read a block): only the database ratio is evaluated")
		}
		return o
	}
	slices.SortStableFunc(tables, func(x, y *TableStats) int {
		return cmp.Compare(y.HeapBlksRead+y.IdxBlksRead, x.HeapBlksRead+x.IdxBlksRead)
	})
	for _, t := range tables[:min(len(tables), cacheTopTables)] {
		tr, ok := ratio(t.HeapBlksHit+t.IdxBlksHit, t.HeapBlksHit+t.HeapBlksRead+t.IdxBlksHit+t.IdxBlksRead)
		if !ok || tr >= cacheHitThreshold {
			continue
		}
		f := finding(workflow.SeverityInfo, t.Qualified(), a.window)
		reads := t.HeapBlksRead + t.IdxBlksRead
		share, _ := ratio(reads, db.BlksRead)
		f.Message = fmt.Sprintf("%s is among the tables that read the most blocks: %s (%s of the database's reads), with a hit ratio of %s.",
			t.Qualified(), count(reads), percent(share), percent(tr))
		f.ev("Hit ratio (heap and indexes)", percent(tr))
		if hr, ok := ratio(t.HeapBlksHit, t.HeapBlksHit+t.HeapBlksRead); ok {
			f.ev("Heap hit ratio", percent(hr))
		}
		if ir, ok := ratio(t.IdxBlksHit, t.IdxBlksHit+t.IdxBlksRead); ok {
			f.ev("Index hit ratio", percent(ir))
		}
		f.ev("Heap blocks read", count(t.HeapBlksRead))
		f.ev("Index blocks read", count(t.IdxBlksRead))
		f.ev("Share of the database's reads", percent(share))
		f.ev("Size with indexes and TOAST", md.Bytes(t.TotalBytes))
		cacheAdvice(a, &f)
		o.findings = append(o.findings, f)
	}
	o.observe("%d %s with block counts; the top %d by blocks read checked against 99 %%", len(tables),
		plural(len(tables), "table", "tables"), min(len(tables), cacheTopTables))
	return o
}

// cacheAdvice fills in why a low hit ratio matters and what to do.
func cacheAdvice(a *analysis, f *Finding) {
	f.Why = "A block not found in shared buffers is read from the OS cache or from disk: a miss costs far more than a hit, and " +
		"a falling ratio is often the first sign that the working set outgrew memory or that a query reads more than it needs."
	if pgss := a.s.Server.pgssView(); pgss != "" {
		f.Remediation = "-- The statements that read the most blocks from outside shared buffers:\n" +
			"SELECT queryid, calls, shared_blks_read, shared_blks_hit, left(query, 80) AS query\n" +
			"FROM " + pgss + " ORDER BY shared_blks_read DESC LIMIT 10;\n" +
			"-- Check their plans first (a missing index reads whole tables); raising shared_buffers needs a restart."
	} else {
		f.Remediation = "-- The tables that read the most blocks from outside shared buffers (pg_stat_statements, not installed\n" +
			"-- in this database, would name the statements):\n" +
			"SELECT relid::regclass, heap_blks_read, heap_blks_hit, idx_blks_read, idx_blks_hit\n" +
			"FROM pg_statio_user_tables ORDER BY heap_blks_read + coalesce(idx_blks_read, 0) DESC LIMIT 10;\n" +
			"-- Check the plans of the queries on them first (a missing index reads whole tables); raising shared_buffers needs a restart."
	}
	f.caveat("A cumulative ratio hides recent changes: compare two snapshots for the ratio now.")
	f.caveat("A block counted as read may have come from the OS page cache, not the disk.")
	if a.s.Server != nil && !a.s.Server.TrackIOTiming {
		f.caveat("track_io_timing is off: the time the reads took is not measured.")
	}
}

// pgssView is the pg_stat_statements view of the audited database, quoted
// as needed, or "" when the snapshot does not show it installed there.
func (s *ServerInfo) pgssView() string {
	if s == nil || s.PGSS == nil || s.PGSS.Schema == "" {
		return ""
	}
	return quoted(s.PGSS.Schema, "pg_stat_statements")
}
