package audit

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/md"
)

// Thresholds of unused-index (reference §3, §4.3 and §6).
const (
	// unusedRareScans: pghero's max_scans default and pg-index-health
	// count an index with fewer than 50 scans as unused.
	unusedRareScans = 50
	// unusedMinBytes: pghero's unused_index_megabytes, 10 MB; smaller
	// candidates are noted, not warned about.
	unusedMinBytes = 10 << 20
	// unusedNoteBytes: an unused index under 1 MiB costs next to nothing
	// to maintain or keep; such indexes are counted, not listed, so a
	// schema of thousands of small tables does not drown the report.
	unusedNoteBytes = 1 << 20
	// unusedMinWindow: postgres-checkup warns when the statistics are
	// younger than 30 days.
	unusedMinWindow = 30 * 24 * time.Hour
)

// checkUnusedIndex finds valid indexes without scans in the window (or
// fewer than 50, for indexes of 10 MB or more) and attaches what makes them
// droppable or not: a backed constraint, the replica identity or foreign
// keys depending on it (never dropped), a foreign key the index may serve,
// partial or expression keys, the size, the age of the counters and the
// replicas' own counters. A drop candidate of
// 10 MB or more without scans is a warning; smaller or rarely used ones, and
// indexes that must stay, are noted. A partitioned index is judged by the
// sums over its partitions' indexes (see IndexStats.Partitioned), which are
// never reported on their own.
func checkUnusedIndex(a *analysis) outcome {
	var o outcome
	if !a.gate(&o, SectionIndexes, true, "") || !a.counting(&o) {
		return o
	}
	fksKnown := a.has(SectionForeignKeys, len(a.s.ForeignKeys) > 0)
	if !fksKnown {
		o.degrade("the snapshot has no foreign keys (collected live only): an unused index may still serve one")
	}
	if a.windowDur <= 0 {
		o.degrade("the statistics window is unknown (neither stats_reset nor postmaster_start recorded): \"no scans\" has no time span")
	}
	var never, rare, small int
	for _, x := range a.s.Indexes {
		if !x.Valid || x.BeingBuilt || x.IdxScan >= unusedRareScans || attached(x) {
			continue // an attached partition's index counts in its parent's sums
		}
		if x.SizeBytes < unusedNoteBytes {
			if x.IdxScan == 0 {
				small++
			}
			continue
		}
		keep := keepReasons(a, x)
		switch {
		case x.IdxScan == 0:
			never++
		case len(keep) == 0 && x.SizeBytes >= unusedMinBytes:
			rare++
		default:
			continue // a few scans of a small or constraint index: nothing to say
		}
		o.findings = append(o.findings, unusedFinding(a, x, keep, fksKnown))
	}
	o.observe("%d %s; %d valid of 1 MiB or more with no scans in the window, %d of 10 MB or more with fewer than %d; "+
		"%d smaller ones without scans not listed (under 1 MiB each)",
		len(a.s.Indexes), plural(len(a.s.Indexes), "index", "indexes"), never, rare, unusedRareScans, small)
	return o
}

// keepReasons lists why an index must stay whatever its scans.
func keepReasons(a *analysis, x IndexStats) []string {
	var keep []string
	switch {
	case x.Primary:
		keep = append(keep, "it is the primary key")
	case x.Constraint != "":
		keep = append(keep, fmt.Sprintf("it backs constraint %s", x.Constraint))
	case x.Unique:
		keep = append(keep, "it is unique: it enforces uniqueness whether or not queries read it")
	}
	if len(x.ReferencedBy) > 0 {
		keep = append(keep, fmt.Sprintf("foreign %s %s %s on it (PostgreSQL refuses to drop it while they exist)",
			plural(len(x.ReferencedBy), "key", "keys"), strings.Join(x.ReferencedBy, ", "), plural(len(x.ReferencedBy), "depends", "depend")))
	}
	if x.ReplicaIdentity || a.tables[x.QualifiedTable()].ReplicaIdentityIndex == x.Name {
		keep = append(keep, "it is the table's replica identity (logical replication finds rows by it)")
	}
	if fk, ok := servedForeignKey(a, x); ok {
		keep = append(keep, fmt.Sprintf("it may serve foreign key %s (%s): every delete or key update on %s looks up %s through it",
			fk.Name, strings.Join(fk.Columns, ", "), qualify(fk.RefSchema, fk.RefTable), x.QualifiedTable()))
	}
	return keep
}

// servedForeignKey returns a foreign key of the index's table whose columns
// lead the index.
func servedForeignKey(a *analysis, x IndexStats) (ForeignKeyStats, bool) {
	sh, ok := shapeOf(&x)
	if !ok || sh.pred != "" {
		return ForeignKeyStats{}, false
	}
	for _, fk := range a.foreignKeys[x.QualifiedTable()] {
		if leads(sh, fk.Columns) {
			return fk, true
		}
	}
	return ForeignKeyStats{}, false
}

func unusedFinding(a *analysis, x IndexStats, keep []string, fksKnown bool) Finding {
	sev := workflow.SeverityInfo
	if len(keep) == 0 && x.IdxScan == 0 && x.SizeBytes >= unusedMinBytes {
		sev = workflow.SeverityWarning
	}
	f := finding(sev, x.Qualified(), a.window)
	scans := "had no scans"
	if x.IdxScan > 0 {
		scans = fmt.Sprintf("had only %s %s", count(x.IdxScan), plural(int(x.IdxScan), "scan", "scans"))
	}
	window := "in the window"
	if a.windowDur > 0 {
		window = "in " + span(a.windowDur)
	}
	if len(keep) > 0 {
		f.Message = fmt.Sprintf("%s %s %s, but it is not a drop candidate: %s.", x.Qualified(), scans, window, strings.Join(keep, "; "))
	} else {
		f.Message = fmt.Sprintf("%s (%s) %s %s; it backs no constraint", x.Qualified(), md.Bytes(x.SizeBytes), scans, window)
		if fksKnown {
			f.Message += " and serves no foreign key: a drop candidate."
		} else {
			f.Message += ": a drop candidate, unless it serves a foreign key (the snapshot lists none)."
		}
	}
	f.ev("Index scans", counted(x.IdxScan, "scan", "scans"))
	f.ev("Size", md.Bytes(x.SizeBytes))
	t := a.tables[x.QualifiedTable()]
	f.ev("Table", x.QualifiedTable())
	if t.Name != "" {
		f.ev("Table size", md.Bytes(t.TotalBytes))
		f.ev("Table writes (ins + upd + del)", counted(t.NTupIns+t.NTupUpd+t.NTupDel, "row", "rows"))
	}
	f.ev("Statistics window", statsAge(a))
	if !x.LastIdxScan.IsZero() {
		f.ev("Last index scan", md.Time(x.LastIdxScan))
	}
	sh, known := shapeOf(&x)
	if known {
		f.ev("Method", sh.method)
		f.ev("Partial", yesNo(sh.pred != ""))
		f.ev("Expression keys", yesNo(sh.exprs != ""))
	}
	f.ev("Unique / primary", yesNo(x.Unique)+" / "+yesNo(x.Primary))
	f.ev("Backs constraint", cmp.Or(x.Constraint, "no"))
	if x.Partitioned {
		f.ev("Partitioned index", fmt.Sprintf("yes: scans and size are the sums over the %s attached to it",
			nOf(int64(len(partitionIndexes(a, x))), "partition's index", "partitions' indexes")))
	}
	if len(keep) > 0 {
		f.Why = "An index that enforces something, or that foreign key checks use, is needed even when no query reads it: " +
			"dropping it breaks the guarantee or makes each check scan the table."
	} else {
		f.Why = "Every insert, and every update that is not HOT, writes to every index of the table: an index no query reads " +
			"costs write time, WAL, vacuum work and cache space, and gives nothing back."
	}
	if len(keep) > 0 {
		return f // kept whatever its use: the usage caveats do not apply
	}
	var caveats []string
	f.Remediation, f.Undo, caveats = dropIndex(x)
	f.Caveats = append(f.Caveats, caveats...)
	f.caveat("%s", replicaCaveat)
	f.caveat("Usage counters restart at every statistics reset and crash, and pg_upgrade does not carry them over.")
	if !a.windowExact || a.windowDur < unusedMinWindow {
		f.caveat("The counters cover %s, under the 30 days postgres-checkup asks for: jobs that run monthly or quarterly "+
			"may use the index. Confirm over a longer window before dropping it.", statsAge(a))
	}
	if a.major() >= 16 {
		f.caveat("pg_stat_user_indexes.last_idx_scan (PostgreSQL 16+) on each node says when the index was last used.")
	}
	if known && sh.pred != "" {
		f.caveat("Partial index: only queries whose WHERE implies %s can use it, and such queries may be rare.", md.Code(sh.pred))
	}
	if known && sh.exprs != "" {
		f.caveat("Expression index: only queries on %s can use it.", md.Code(sh.exprs))
	}
	if x.IdxScan > 0 {
		f.caveat("%s %s in the window: some query uses it; find it before dropping.", count(x.IdxScan), plural(int(x.IdxScan), "scan", "scans"))
	}
	if !fksKnown {
		f.caveat("The snapshot lists no foreign keys, so whether the index serves one is not known: check pg_constraint first.")
	}
	if a.s.Server != nil && a.s.Server.InRecovery {
		f.caveat("The snapshot was read on a standby: the counters are the standby's, not the primary's.")
	}
	return f
}

// statsAge renders the statistics window for evidence.
func statsAge(a *analysis) string {
	switch {
	case a.windowDur <= 0:
		return "unknown"
	case !a.windowExact:
		return "at least " + span(a.windowDur)
	}
	return span(a.windowDur)
}

// partitionIndexes returns the indexes attached to partitioned index x.
func partitionIndexes(a *analysis, x IndexStats) []IndexStats {
	var out []IndexStats
	for _, y := range a.s.Indexes {
		if y.ParentIndex == x.Qualified() {
			out = append(out, y)
		}
	}
	return out
}
