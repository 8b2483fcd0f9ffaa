package audit

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/md"
)

// Thresholds of temp-writes. The reference sets none (§3: "none built in");
// these are pgrollout's own.
const (
	// tempWarnPerDay: a database spilling a GiB a day or more is warned
	// about; less is noted.
	tempWarnPerDay = 1 << 30
	// tempMinShare: statements that wrote at least 1 % of the temp blocks
	// pg_stat_statements counted get a finding of their own, at most
	// tempTopStatements.
	tempMinShare      = 0.01
	tempTopStatements = 5
	// tempWarnShare: a statement writing half of those temp blocks or more
	// is the spill to fix first.
	tempWarnShare = 0.5
)

// checkTempWrites reports the temp files the database wrote in the window
// and, when pg_stat_statements rows are there and readable, the statements
// that wrote them, with work_mem, log_temp_files and temp_file_limit when the
// probe read them.
func checkTempWrites(a *analysis) outcome {
	var o outcome
	if !a.counting(&o) {
		return o
	}
	db := a.s.Database
	if db.TempFiles == 0 && db.TempBytes == 0 {
		o.observe("no temp files written in the window")
	} else {
		o.findings = append(o.findings, tempDatabaseFinding(a))
	}
	if !tempStatementsReadable(a, &o) {
		return o
	}
	var writers []StatementStats
	var blocks int64
	for _, st := range a.s.Statements {
		if st.TempBlksWritten > 0 {
			writers = append(writers, st)
			blocks += st.TempBlksWritten
		}
	}
	// The shares are of the temp blocks pg_stat_statements counted, over its
	// own window: pg_stat_database's temp bytes are another counter, of
	// another window, and never the base of a statement's share.
	o.observe("%d of %d pg_stat_statements %s wrote temp blocks, %s (%s) in all, %s", len(writers), len(a.s.Statements),
		plural(len(a.s.Statements), "statement", "statements"), counted(blocks, "block", "blocks"), md.Bytes(blocks*a.s.Block()), a.pgssWindow())
	slices.SortStableFunc(writers, func(x, y StatementStats) int { return cmp.Compare(y.TempBlksWritten, x.TempBlksWritten) })
	for i, st := range writers {
		share, _ := ratio(st.TempBlksWritten, blocks)
		if share < tempMinShare || i == tempTopStatements {
			break
		}
		o.findings = append(o.findings, tempStatementFinding(a, st, share))
	}
	return o
}

// tempStatementsReadable says whether the per-statement part can run,
// degrading the check when it cannot.
func tempStatementsReadable(a *analysis, o *outcome) bool {
	const unattributed = "temp writes cannot be attributed to statements"
	if sec, ok := a.sections[SectionStatements]; ok {
		switch sec.Status {
		case SectionSkipped:
			o.degrade(fmt.Sprintf("pg_stat_statements was not collected (%s): %s", cmp.Or(sec.Reason, "no reason recorded"), unattributed))
			return false
		case SectionPartial:
			o.degrade(fmt.Sprintf("pg_stat_statements was collected in part: %s", cmp.Or(sec.Reason, "no reason recorded")))
		}
	}
	if srv := a.s.Server; srv != nil {
		switch {
		case srv.PGSS == nil:
			o.degrade("pg_stat_statements is not installed in this database: " + unattributed)
			return false
		case !srv.PGSS.Readable:
			o.degrade(fmt.Sprintf("pg_stat_statements cannot be read by %s: %s", a.role(), unattributed))
			return false
		case !srv.PGSS.QueryTextVisible:
			o.degrade(fmt.Sprintf("query texts are hidden from %s (pg_read_all_stats shows them): statements are named by queryid only", a.role()))
		}
		return true
	}
	if len(a.s.Statements) == 0 {
		o.degrade("the snapshot has no pg_stat_statements rows: " + unattributed)
		return false
	}
	return true
}

func tempDatabaseFinding(a *analysis) Finding {
	db := a.s.Database
	perDay, known := a.perDay(db.TempBytes)
	sev := workflow.SeverityInfo
	if known && perDay >= tempWarnPerDay {
		sev = workflow.SeverityWarning
	}
	f := finding(sev, "database "+db.Name, a.window)
	f.Message = fmt.Sprintf("%s wrote %s temp %s, %s in all, in the window", db.Name, count(db.TempFiles),
		plural(int(min(db.TempFiles, 2)), "file", "files"), md.Bytes(db.TempBytes))
	if known {
		f.Message += fmt.Sprintf(": about %s a day", md.Bytes(int64(perDay)))
	}
	f.Message += "."
	f.ev("Temp files", counted(db.TempFiles, "file", "files"))
	f.ev("Temp file bytes (pg_stat_database)", md.Bytes(db.TempBytes))
	if avg, ok := ratio(db.TempBytes, db.TempFiles); ok {
		f.ev("Average file", md.Bytes(int64(avg)))
	}
	if known {
		f.ev("Temp file bytes a day", md.Bytes(int64(perDay)))
	}
	for _, name := range []string{"work_mem", "log_temp_files", "temp_file_limit"} {
		if v, ok := a.setting(name); ok {
			f.ev(name, v)
		}
	}
	f.Why = "Temp files are sorts, hashes and other operations that outgrew work_mem and spilled to disk: each spill turns " +
		"memory work into disk writes and reads, and a query that spills runs several times slower than one that does not."
	logged, _ := a.setting("log_temp_files")
	if logged == "" || logged == "-1" {
		f.Remediation = "-- Log every spill of 10 MB or more with its statement, to see which queries spill and by how much:\n" +
			"ALTER SYSTEM SET log_temp_files = '10MB';\nSELECT pg_reload_conf();"
		f.Undo = "ALTER SYSTEM RESET log_temp_files;\nSELECT pg_reload_conf();"
	} else {
		f.Remediation = "-- The statements that wrote the most temp blocks (pg_stat_statements):\n" +
			"SELECT queryid, calls, temp_blks_written * current_setting('block_size')::bigint AS temp_bytes, left(query, 80)\n" +
			"FROM pg_stat_statements ORDER BY temp_blks_written DESC LIMIT 10;"
	}
	f.caveat("The counters are cumulative over the window: whether the spills still happen, and when, takes a second snapshot.")
	return f
}

func tempStatementFinding(a *analysis, st StatementStats, share float64) Finding {
	written := st.TempBlksWritten * a.s.Block()
	sev := workflow.SeverityInfo
	if share >= tempWarnShare {
		sev = workflow.SeverityWarning
	}
	f := finding(sev, fmt.Sprintf("queryid %d", st.QueryID), a.pgssWindow())
	if st.QueryID == 0 {
		f.Object = "a statement hidden from " + a.role()
	}
	f.Message = fmt.Sprintf("This statement wrote %s temp blocks (%s) in %s: %s of the temp blocks pg_stat_statements counted.",
		count(st.TempBlksWritten), md.Bytes(written), counted(st.Calls, "call", "calls"), percent(share))
	f.ev("Temp blocks written (pg_stat_statements)", fmt.Sprintf("%s (%s)", counted(st.TempBlksWritten, "block", "blocks"), md.Bytes(written)))
	f.ev("Share of pg_stat_statements temp blocks", percent(share))
	f.ev("pg_stat_statements window", f.Window)
	perCall, ok := ratio(written, st.Calls)
	if ok {
		f.ev("Temp written a call", md.Bytes(int64(perCall)))
	}
	f.ev("Calls", count(st.Calls))
	f.ev("Mean time", millis(st.MeanExecTimeMs))
	f.ev("Total time", millis(st.TotalExecTimeMs))
	f.ev("Query", md.Abbreviate(st.Query, 120))
	f.Why = "A statement that spills to temp files does in disk I/O what it would do in memory with enough work_mem, " +
		"or without the sort or hash at all with a matching index. The statements that write most of the temp blocks are where " +
		"a fix pays back most."
	tempRemedy(a, &f, st, perCall)
	f.caveat("The temp bytes a call are an average: a few large calls (big customers, month-end reports) may write most of it. " +
		"log_temp_files logs each spill with its size.")
	f.caveat("pg_stat_statements counts temp blocks written over its own window; pg_stat_database counts temp file bytes over the "+
		"database's (%s): the two need not agree.", a.window)
	if a.s.Server != nil && a.s.Server.PGSS != nil && !a.s.Server.PGSS.QueryTextVisible {
		f.caveat("Query texts were hidden from %s: the statement is known by its queryid only.", a.role())
	}
	return f
}

// tempRemedy fills a temp-writes statement finding's remediation after what
// the statement is: EXPLAIN and work_mem for one EXPLAIN takes,
// maintenance_work_mem for CREATE INDEX, REINDEX, CLUSTER and VACUUM,
// work_mem for the session of another utility command, and no SQL for a
// text the role cannot see.
func tempRemedy(a *analysis, f *Finding, st StatementStats, perCall float64) {
	p := parseStatement(st.Query)
	if st.QueryID == 0 || strings.TrimSpace(st.Query) == hiddenQueryText || strings.TrimSpace(st.Query) == "" {
		f.caveat("No SQL is proposed: the statement's text is hidden from %s, and a plan or a setting cannot be given for a statement "+
			"that cannot be seen. A role with pg_read_all_stats (or the statement's own role) sees it in pg_stat_statements.", a.role())
		return
	}
	var r strings.Builder
	switch p.kind {
	case kindMaintenance:
		mem, known := a.settingBytes("maintenance_work_mem", 1<<10)
		if known {
			f.ev("maintenance_work_mem", md.Bytes(mem))
		}
		fmt.Fprintf(&r, "-- %s sorts in maintenance_work_mem, not work_mem. Give the session that runs it more, then run it there\n", p.command)
		r.WriteString("-- (SET, not SET LOCAL: CREATE INDEX CONCURRENTLY and VACUUM cannot run inside a transaction block):\n")
		fmt.Fprintf(&r, "SET maintenance_work_mem = '%s';", suggestWorkMem(mem, known, perCall))
		f.Remediation = r.String()
		f.Undo = "RESET maintenance_work_mem;"
		f.caveat("maintenance_work_mem is taken by each autovacuum worker too when autovacuum_work_mem is -1: raise it per session, not server-wide.")
		return
	case kindExplainable:
		explainSpill(&r, p, a.major())
	default:
		fmt.Fprintf(&r, "-- %s cannot be explained. A sort that an index could return in order goes away with that index.\n", cmp.Or(p.command, "This statement"))
	}
	workMem, knownMem := a.settingBytes("work_mem", 1<<10)
	if knownMem {
		f.ev("work_mem", md.Bytes(workMem))
	}
	if p.kind == kindExplainable {
		r.WriteString("-- A sort that an index could return in order goes away with that index. Otherwise give this work more memory,\n")
		r.WriteString("-- for its transaction only rather than raising work_mem for every connection: in the application's transaction\n")
		r.WriteString("-- that runs it (SET LOCAL does nothing outside a transaction block), before the statement:\n")
		fmt.Fprintf(&r, "--   SET LOCAL work_mem = '%s';", suggestWorkMem(workMem, knownMem, perCall))
		f.Undo = "-- Nothing to undo on the server: SET LOCAL ends with its transaction; remove it from the application."
	} else {
		r.WriteString("-- Otherwise give the session that runs it more memory, rather than raising work_mem for every connection:\n")
		fmt.Fprintf(&r, "SET work_mem = '%s';", suggestWorkMem(workMem, knownMem, perCall))
		f.Undo = "RESET work_mem;"
	}
	f.Remediation = r.String()
	f.caveat("work_mem is per sort or hash node and per parallel worker, not per query: a raised value multiplies under concurrency.")
}

// explainSpill writes SQL that shows where an explainable statement spills:
// EXPLAIN (ANALYZE, BUFFERS) in a transaction rolled back when the text
// has no parameters; else its plan without running it (explainPlan), as
// EXPLAIN ANALYZE needs values for the parameters.
func explainSpill(r *strings.Builder, p parsedStatement, major int) {
	r.WriteString("-- Find the node that spills: a Sort or Hash whose plan line says \"Disk:\" or \"Batches:\" above 1.\n")
	if p.params == 0 {
		r.WriteString("-- It runs, in a transaction rolled back at the end in case it writes:\n")
		fmt.Fprintf(r, "BEGIN;\nEXPLAIN (ANALYZE, BUFFERS)\n%s;\nROLLBACK;\n", p.text)
		return
	}
	params := "$1"
	if p.params > 1 {
		params = fmt.Sprintf("$1 to $%d", p.params)
	}
	fmt.Fprintf(r, "-- Its text has parameters (%s: pg_stat_statements replaced the constants), and EXPLAIN ANALYZE needs\n", params)
	r.WriteString("-- real values: run EXPLAIN (ANALYZE, BUFFERS) with them in a transaction you roll back. Its plan, without running it:\n")
	explainPlan(r, p, major)
}

// suggestWorkMem proposes a work_mem for one statement: twice what it
// spills a call (a sort needs more memory than its temp file), at least twice
// the current setting, rounded up to a power of two in MB.
func suggestWorkMem(current int64, known bool, perCall float64) string {
	need := int64(2 * perCall)
	if known {
		need = max(need, 2*current)
	}
	mb := int64(1)
	for mb<<20 < need && mb < 1<<20 {
		mb <<= 1
	}
	mb = max(mb, 8)
	if mb >= 1024 && mb%1024 == 0 {
		return fmt.Sprintf("%dGB", mb/1024)
	}
	return fmt.Sprintf("%dMB", mb)
}
