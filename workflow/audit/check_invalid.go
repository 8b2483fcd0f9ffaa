package audit

import (
	"fmt"
	"strings"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/md"
)

// invalidSmallTable: postgres_ai's decision tree rebuilds an invalid index
// outright on a table under 10,000 rows (reference §3, §4.5).
const invalidSmallTable = 10_000

// checkInvalidIndex finds indexes that are not valid and not being built
// now, with postgres_ai's decision: a valid twin exists → drop it; it backs a
// constraint or uniqueness → rebuild it (an error: the guarantee rests on an
// index the planner cannot use); a small table → rebuild; otherwise review why
// the build failed, then rebuild or drop.
func checkInvalidIndex(a *analysis) outcome {
	var o outcome
	if !a.gate(&o, SectionIndexes, true, "") {
		return o
	}
	building := 0
	for _, x := range a.s.Indexes {
		switch {
		case x.Valid:
			continue
		case x.BeingBuilt:
			building++
			continue
		}
		o.findings = append(o.findings, invalidFinding(a, x))
	}
	o.observe("%d %s; %d not valid", len(a.s.Indexes), plural(len(a.s.Indexes), "index", "indexes"), len(o.findings)+building)
	if building > 0 {
		o.observe("%d not valid because a CREATE INDEX or REINDEX is building %s now (pg_stat_progress_create_index)",
			building, plural(building, "it", "them"))
	}
	return o
}

func invalidFinding(a *analysis, x IndexStats) Finding {
	twin, hasTwin := validTwin(a, x)
	backs := x.Primary || x.Unique || x.Constraint != ""
	t := a.tables[x.QualifiedTable()]
	sev := workflow.SeverityWarning
	if backs {
		sev = workflow.SeverityError
	}
	f := finding(sev, x.Qualified(), a.pointInTime)
	f.ev("Size", md.Bytes(x.SizeBytes))
	f.ev("Table", x.QualifiedTable())
	if t.Name != "" {
		f.ev("Table rows", count(t.NLiveTup))
	}
	f.ev("Unique / primary", yesNo(x.Unique)+" / "+yesNo(x.Primary))
	f.ev("Backs constraint", orNo(x.Constraint))
	f.ev("Valid twin", orNo(twin.Name))
	f.ev("Definition", x.Definition)
	f.Why = "An invalid index is kept up to date by every write but never used by a query: it costs what an index costs and " +
		"gives nothing. It is usually left by a CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY that failed (a duplicate " +
		"key, a deadlock, a timeout, a cancelled session)."
	if backs {
		f.Why += " For a unique index, the uniqueness it should guarantee rests on an index that may miss rows."
	}
	rebuild := fmt.Sprintf("REINDEX INDEX CONCURRENTLY %s;", quoted(x.Schema, x.Name))
	if a.major() != 0 && a.major() < 12 {
		rebuild = fmt.Sprintf("DROP INDEX CONCURRENTLY %s;\n%s", quoted(x.Schema, x.Name), concurrently(x.Definition))
	}
	switch {
	case hasTwin:
		f.Message = fmt.Sprintf("%s is not valid, and %s is a valid index with the same keys: drop the invalid one.", x.Qualified(), twin.Qualified())
		f.Remediation = fmt.Sprintf("DROP INDEX CONCURRENTLY %s;", quoted(x.Schema, x.Name))
		f.Undo = concurrently(x.Definition)
	case backs:
		f.Message = fmt.Sprintf("%s is not valid and backs %s: rebuild it.", x.Qualified(), uniqueness(x))
		f.Remediation = rebuild
		f.caveat("If the rebuild fails on a duplicate key, the table holds duplicates the index should have refused: " +
			"find and resolve them first.")
	case t.Name != "" && t.NLiveTup < invalidSmallTable:
		f.Message = fmt.Sprintf("%s is not valid; its table has %s rows, so rebuilding it is quick.", x.Qualified(), count(t.NLiveTup))
		f.Remediation = rebuild
	default:
		f.Message = fmt.Sprintf("%s is not valid: find out why its build failed, then rebuild it, or drop it if no query needs it.", x.Qualified())
		f.Remediation = rebuild + fmt.Sprintf("\n-- or, if no query needs it:\n-- DROP INDEX CONCURRENTLY %s;", quoted(x.Schema, x.Name))
		f.caveat("A rebuild reads the whole table and takes as long as the first build did; check the server log for why that one failed.")
	}
	if f.Undo == "" {
		f.Undo = "-- Nothing to undo: the rebuild replaces an index no query could use with the same index, valid."
	}
	if a.s.Server == nil && !x.Ready {
		f.caveat("The snapshot does not say whether a build of this index is running now (pg_stat_progress_create_index): " +
			"if a CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY is in progress, let it finish.")
	}
	if a.major() != 0 && a.major() < 12 {
		f.caveat("REINDEX CONCURRENTLY needs PostgreSQL 12; this server is %s, so the remediation drops and builds the index again.", a.s.ServerVersion)
	}
	return f
}

// validTwin finds a valid index of the same table with the same shape.
func validTwin(a *analysis, x IndexStats) (IndexStats, bool) {
	sh, ok := shapeOf(x)
	if !ok {
		return IndexStats{}, false
	}
	for _, y := range a.indexesOn(x.QualifiedTable()) {
		if y.Name == x.Name || !y.Valid {
			continue
		}
		if ysh, ok := shapeOf(y); ok && sameKeys(sh, ysh) && (!x.Unique || y.Unique) {
			return y, true
		}
	}
	return IndexStats{}, false
}

// uniqueness names what an index guarantees.
func uniqueness(x IndexStats) string {
	switch {
	case x.Primary:
		return "the primary key"
	case x.Constraint != "":
		return "constraint " + x.Constraint
	}
	return "a uniqueness guarantee"
}

func orNo(s string) string {
	if strings.TrimSpace(s) == "" {
		return "no"
	}
	return s
}
