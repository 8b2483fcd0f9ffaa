package audit

import (
	"fmt"
	"strings"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/md"
)

// Thresholds of index-bloat and table-bloat: postgres-checkup F004/F005 warn
// at 40 % estimated bloat, call 90 % critical, look only at relations over
// 1 MiB, and rate a total above 20 % as P1 (reference §3, §4.10, §4.11).
const (
	bloatWarn       = 0.40
	bloatCritical   = 0.90
	bloatMinBytes   = 1 << 20
	bloatTotalAlarm = 0.20
)

// checkIndexBloat reports btree indexes whose estimated bloat is 40 % or
// more (90 %: an error), over 1 MiB. Estimates flagged is_na give no figure.
func checkIndexBloat(a *analysis) outcome { return checkBloat(a, "index") }

// checkTableBloat reports tables whose estimated bloat is 40 % or more
// (90 %: an error), over 1 MiB. Estimates flagged is_na give no figure.
func checkTableBloat(a *analysis) outcome { return checkBloat(a, "table") }

func checkBloat(a *analysis, kind string) outcome {
	var o outcome
	if !a.gate(&o, SectionBloat, len(a.s.Bloat) > 0, "the snapshot has no bloat estimates (collected live only)") {
		return o
	}
	var usable, na []BloatEstimate
	for _, b := range a.s.Bloat {
		switch {
		case b.Kind != kind:
		case b.IsNA:
			na = append(na, b)
		default:
			usable = append(usable, b)
		}
	}
	kinds := map[string]string{"index": "indexes", "table": "tables"}[kind]
	if len(na) > 0 {
		names := make([]string, 0, len(na))
		for _, b := range na {
			names = append(names, qualify(b.Schema, b.Name))
		}
		reason := fmt.Sprintf("%s not usable (is_na: statistics missing, or hidden from %s without pg_read_all_data): %s",
			md.Plural(len(na), kind+" estimate is", kind+" estimates are"), a.role(), strings.Join(names, ", "))
		if len(usable) == 0 {
			o.skip = reason
			return o
		}
		o.degrade(reason)
	}
	var real, extra int64
	for _, b := range usable {
		real += b.RealBytes
		extra += b.ExtraBytes
		r, _ := ratio(b.ExtraBytes, b.RealBytes)
		if b.RealBytes <= bloatMinBytes || r < bloatWarn {
			continue
		}
		o.findings = append(o.findings, bloatFinding(a, b, r))
	}
	total, _ := ratio(extra, real)
	o.observe("%d %s estimated: %s of %s estimated as bloat (%s)", len(usable), plural(len(usable), kind, kinds),
		md.Bytes(extra), md.Bytes(real), percent(total))
	if total > bloatTotalAlarm {
		o.observe("the total is above the 20 %% postgres-checkup rates as its first priority")
	}
	return o
}

func bloatFinding(a *analysis, b BloatEstimate, r float64) Finding {
	sev := workflow.SeverityWarning
	if r >= bloatCritical {
		sev = workflow.SeverityError
	}
	obj := qualify(b.Schema, b.Name)
	f := finding(sev, obj, a.pointInTime)
	f.Message = fmt.Sprintf("An estimated %s of the %s of %s is bloat (%s): space the %s holds but no live row uses.",
		md.Bytes(b.ExtraBytes), md.Bytes(b.RealBytes), obj, percent(r), b.Kind)
	f.ev("Size", md.Bytes(b.RealBytes))
	f.ev("Estimated bloat", md.Bytes(b.ExtraBytes))
	f.ev("Bloat share", percent(r))
	f.caveat("A statistical estimate (ioguix formulas, from pg_stats averages), not a measurement: pgstattuple (tables) or " +
		"pgstatindex (indexes) gives exact figures, at the cost of reading the relation.")
	f.caveat("The estimate is only as fresh as the last ANALYZE.")
	table := qualify(b.Schema, b.Name)
	if b.Kind == "index" {
		table = qualify(b.Schema, b.Table)
	}
	if t := a.tables[table]; t.LastAnalyze.After(t.LastAutoanalyze) {
		f.ev("Last analyze", md.Time(t.LastAnalyze))
	} else if !t.LastAutoanalyze.IsZero() {
		f.ev("Last analyze", md.Time(t.LastAutoanalyze))
	}
	if b.Kind == "index" {
		f.ev("Table", table)
		for _, x := range a.indexesOn(table) {
			if x.Name == b.Name {
				f.ev("Index scans", counted(x.IdxScan, "scan", "scans"))
			}
		}
		f.Why = "A bloated index is larger than its entries need: lookups and range scans read more pages, and it takes more " +
			"of shared buffers. Vacuum marks the space reusable but never shrinks the index."
		f.Remediation = fmt.Sprintf("REINDEX INDEX CONCURRENTLY %s;", quoted(b.Schema, b.Name))
		f.Undo = "-- Nothing to undo: the rebuilt index has the same definition, without the empty space."
		f.caveat("REINDEX CONCURRENTLY builds a second copy before dropping the first: it needs free disk space of the index's size, " +
			"and PostgreSQL 12 or later.")
		return f
	}
	if t := a.tables[obj]; t.Name != "" {
		f.ev("Dead rows", count(t.NDeadTup))
		f.ev("Live rows", count(t.NLiveTup))
		f.ev("Last autovacuum", md.Time(t.LastAutovacuum))
	}
	f.Why = "A bloated table is larger than its rows need: sequential scans read the empty space too, and caches hold less " +
		"live data. VACUUM makes the space reusable for new rows but returns it to the system only at the end of the table."
	f.Remediation = fmt.Sprintf("-- Reclaiming the space rewrites the table. Online, with the pg_repack extension (brief locks only):\n"+
		"--   pg_repack --dbname=%s --table=%s\n"+
		"-- Or in a maintenance window: VACUUM FULL holds an ACCESS EXCLUSIVE lock (no reads, no writes) for the whole rewrite.\n"+
		"VACUUM (FULL, ANALYZE, VERBOSE) %s;", a.s.Database.Name, obj, quoted(b.Schema, b.Name))
	f.Undo = "-- Nothing to undo: the rewritten table holds the same rows."
	f.caveat("TOASTed columns skew the estimate (ioguix/pgsql-bloat-estimation#24).")
	f.caveat("A rewrite needs free disk space of the table's size. If the bloat comes from one-off mass deletes or updates, " +
		"rewrite once; if it keeps coming back, tune autovacuum for the table first.")
	return f
}
