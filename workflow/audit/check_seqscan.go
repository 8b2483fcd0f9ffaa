package audit

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/md"
)

// Thresholds of seq-scan-pressure (reference §3 and §4.1).
const (
	// seqScanMinScans: pgx_scripts needed_indexes and pg-index-health
	// look at tables with more than 100 scans.
	seqScanMinScans = 100
	// seqScanMinRows: pghero's missing_indexes floor of 10,000 live rows,
	// applied to the rows one scan reads (the reference's "rows per scan
	// is the better pressure signal").
	seqScanMinRows = 10_000
	// seqScanIndexShare: pghero flags tables whose index-scan share is
	// below 95 %.
	seqScanIndexShare = 0.95
	// seqScanDominant: a table whose scans read half of all the rows
	// sequential scans read is the database's main source of them, whatever
	// its index share (pgrollout's own rule: pghero's share hides a table
	// that is also looked up by key millions of times).
	seqScanDominant = 0.5
)

// checkSeqScanPressure finds tables read again and again by sequential
// scans: at least 100 scans in the window, at least 10,000 rows a scan, more
// rows read than written. It warns when the index-scan share is under 95 %
// or the table reads at least half of all rows sequential scans read, and
// notes the others.
func checkSeqScanPressure(a *analysis) outcome {
	var o outcome
	if !a.gate(&o, SectionTables, true, "") || !a.counting(&o) {
		return o
	}
	var total int64
	for _, t := range a.s.Tables {
		total += t.SeqTupRead
	}
	o.observe("%d %s; their sequential scans read %s rows in the window", len(a.s.Tables),
		plural(len(a.s.Tables), "table", "tables"), count(total))
	tables := slices.Clone(a.s.Tables)
	slices.SortStableFunc(tables, func(x, y TableStats) int { return cmp.Compare(y.SeqTupRead, x.SeqTupRead) })
	for _, t := range tables {
		perScan, ok := ratio(t.SeqTupRead, t.SeqScan)
		writes := t.NTupIns + t.NTupUpd + t.NTupDel
		if !ok || t.SeqScan < seqScanMinScans || perScan < seqScanMinRows || writes >= t.SeqTupRead {
			continue
		}
		indexShare, _ := ratio(t.IdxScan, t.SeqScan+t.IdxScan)
		share, _ := ratio(t.SeqTupRead, total)
		sev := workflow.SeverityInfo
		if indexShare < seqScanIndexShare || share >= seqScanDominant {
			sev = workflow.SeverityWarning
		}
		o.findings = append(o.findings, seqScanFinding(a, t, sev, perScan, indexShare, share))
	}
	o.observe("%d %s above the thresholds (≥ %d seq scans, ≥ %s rows a scan, reads above writes)",
		len(o.findings), plural(len(o.findings), "table", "tables"), seqScanMinScans, count(seqScanMinRows))
	return o
}

func seqScanFinding(a *analysis, t TableStats, sev workflow.Severity, perScan, indexShare, share float64) Finding {
	f := finding(sev, t.Qualified(), a.window)
	f.Message = fmt.Sprintf("%s sequential scans of %s read %s rows in the window, about %s rows a scan",
		count(t.SeqScan), t.Qualified(), count(t.SeqTupRead), count(int64(perScan+0.5)))
	if live, ok := ratio(int64(perScan), t.NLiveTup); ok {
		f.Message += fmt.Sprintf(" (%.2f × its live rows)", live)
	}
	f.Message += fmt.Sprintf("; %s of its scans used an index, and it accounts for %s of all rows read by sequential scans.",
		percent(indexShare), percent(share))
	f.ev("Rows read by seq scans", counted(t.SeqTupRead, "row", "rows"))
	f.ev("Seq scans", counted(t.SeqScan, "scan", "scans"))
	if d, ok := a.perDay(t.SeqScan); ok {
		f.ev("Seq scans a day", count(int64(d+0.5)))
	}
	if !t.LastSeqScan.IsZero() {
		f.ev("Last seq scan", md.Time(t.LastSeqScan))
	}
	f.ev("Rows per seq scan", counted(int64(perScan+0.5), "row", "rows"))
	f.ev("Index scans", counted(t.IdxScan, "scan", "scans"))
	f.ev("Index scan share", percent(indexShare))
	f.ev("Share of all seq scan rows", percent(share))
	f.ev("Live rows", counted(t.NLiveTup, "row", "rows"))
	f.ev("Size with indexes and TOAST", md.Bytes(t.TotalBytes))
	f.ev("Rows written (ins + upd + del)", counted(t.NTupIns+t.NTupUpd+t.NTupDel, "row", "rows"))
	f.Why = "A sequential scan reads the whole table. Repeated on a large table it costs I/O and CPU on every run and pushes " +
		"other data out of shared buffers; an index that matches the queries' filters reads a few pages instead."

	var r strings.Builder
	readers := statementsReading(a.s.Statements, t)
	if len(readers) == 0 {
		fmt.Fprintf(&r, "-- No pg_stat_statements statement reads %s: find its queries in the application or with\n"+
			"-- log_min_duration_statement, then look at their plans with EXPLAIN.\n", t.Qualified())
	} else {
		st := readers[0].st
		f.ev("Statement reading the table with the most time", fmt.Sprintf("queryid %d: %s calls, mean %s, total %s",
			st.QueryID, count(st.Calls), millis(st.MeanExecTimeMs), millis(st.TotalExecTimeMs)))
		fmt.Fprintf(&r, "-- The statement reading %s that took the most time (queryid %d, %s calls, mean %s; %s).\n",
			t.Qualified(), st.QueryID, count(st.Calls), millis(st.MeanExecTimeMs), plural(len(readers), "the only statement reading it", fmt.Sprintf("of %d statements reading it", len(readers))))
		if readers[0].p.params > 0 {
			r.WriteString("-- Its plan without running it (pg_stat_statements replaced the constants with $n parameters):\n")
		} else {
			r.WriteString("-- Its plan, without running it:\n")
		}
		explainPlan(&r, readers[0].p, a.major())
		f.caveat("The statements are matched by the tables their text reads (FROM and JOIN, UPDATE and DELETE with a WHERE clause), "+
			"not by their plans: only EXPLAIN shows which of them scan %s sequentially.", t.Name)
	}
	fmt.Fprintf(&r, "-- If the plan shows \"Seq Scan on %s\" with a filter, index the filter's columns without blocking writes:\n"+
		"-- CREATE INDEX CONCURRENTLY ON %s (<filter columns>, <ORDER BY columns>);", t.Name, quoted(t.Schema, t.Name))
	f.Remediation = r.String()
	f.caveat("The counters are cumulative over the window: how the scans are spread in time, and whether they still happen, takes a second snapshot.")
	return f
}

// statementReader is a statement that reads a table, with its parse.
type statementReader struct {
	st StatementStats
	p  parsedStatement
}

// statementsReading returns the statements whose text reads table t (see
// tablesRead), by total execution time: not those that only write it
// (INSERT) or name it in a string.
func statementsReading(stmts []StatementStats, t TableStats) []statementReader {
	var hits []statementReader
	for _, st := range stmts {
		if st.QueryID == 0 || !strings.Contains(strings.ToLower(st.Query), strings.ToLower(t.Name)) {
			continue // hidden, or cannot name it: no need to parse
		}
		p := parseStatement(st.Query)
		if reads(tablesRead(p), t.Schema, t.Name) {
			hits = append(hits, statementReader{st: st, p: p})
		}
	}
	slices.SortStableFunc(hits, func(x, y statementReader) int { return cmp.Compare(y.st.TotalExecTimeMs, x.st.TotalExecTimeMs) })
	return hits
}
