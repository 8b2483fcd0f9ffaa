package audit

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

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
// the build failed, then rebuild or drop. A partitioned index is not valid
// while a partition lacks a valid index attached to it: the remediation
// builds and attaches the missing ones (see invalidPartitionedFinding).
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
	if x.Partitioned {
		return invalidPartitionedFinding(a, x)
	}
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

// invalidPartitionedFinding is the finding on a partitioned index that is not
// valid. It has no storage and no rebuild makes it valid: PostgreSQL marks it
// valid when every partition has a valid index attached to it, which is how
// CREATE INDEX ... ON ONLY (the first step of building an index on a
// partitioned table without blocking writes) leaves it until the partitions
// follow.
func invalidPartitionedFinding(a *analysis, x IndexStats) Finding {
	sev := workflow.SeverityWarning
	if x.Primary || x.Unique || x.Constraint != "" {
		sev = workflow.SeverityError
	}
	f := finding(sev, x.Qualified(), a.pointInTime)
	lacking, invalid, partitions := partitionGaps(a, x)
	f.ev("Table", x.QualifiedTable()+" (partitioned)")
	f.ev("Partitions", count(int64(len(partitions))))
	f.ev("Partitions without an index attached", orNo(tableNames(lacking)))
	if len(invalid) > 0 {
		f.ev("Attached indexes not valid", orNo(indexNames(invalid)))
	}
	f.ev("Unique / primary", yesNo(x.Unique)+" / "+yesNo(x.Primary))
	f.ev("Backs constraint", orNo(x.Constraint))
	f.ev("Definition", x.Definition)
	f.Why = "A partitioned index holds no rows itself: each partition's own index, attached to it, does. It stays not valid " +
		"until every partition has a valid index attached, as CREATE INDEX ... ON ONLY leaves it (the first step of building " +
		"an index on a partitioned table without blocking writes) until the partitions follow: a rebuild does not change that."
	if x.Unique || x.Primary || x.Constraint != "" {
		f.Why += " While it is not valid, the uniqueness it should guarantee is not enforced on the partitions without an index."
	}
	switch {
	case len(lacking) > 0:
		f.Message = fmt.Sprintf("%s is a partitioned index that is not valid: %s of %s %s no index attached to it (%s). "+
			"Build one on each, without blocking writes, and attach it.", x.Qualified(), count(int64(len(lacking))),
			nOf(int64(len(partitions)), "partition", "partitions"), plural(len(lacking), "has", "have"), tableNames(lacking))
		f.Remediation = attachSQL(a, x, lacking) + fmt.Sprintf("\n-- or, if no query needs it:\n-- DROP INDEX %s;", quoted(x.Schema, x.Name))
		f.Undo = reattachUndo(a, x)
		f.caveat("CREATE INDEX CONCURRENTLY reads each partition in full; ALTER INDEX ... ATTACH PARTITION is quick, and the " +
			"last one makes the partitioned index valid.")
	case len(invalid) > 0:
		f.Message = fmt.Sprintf("%s is a partitioned index that is not valid because %s attached to it %s not valid: fix %s "+
			"(see %s own finding) and it becomes valid.", x.Qualified(), indexNames(invalid), plural(len(invalid), "is", "are"),
			plural(len(invalid), "it", "them"), plural(len(invalid), "its", "their"))
		f.Remediation = fmt.Sprintf("-- Make %s valid first.\n-- or, if no query needs it:\n-- DROP INDEX %s;",
			indexNames(invalid), quoted(x.Schema, x.Name))
		f.Undo = "-- Nothing to undo."
	default:
		f.Message = fmt.Sprintf("%s is a partitioned index that is not valid: give each partition of %s that lacks one a valid "+
			"index with the same keys and attach it, or drop it.", x.Qualified(), x.QualifiedTable())
		f.Remediation = fmt.Sprintf("-- For each partition without an index attached to %s:\n"+
			"--   CREATE INDEX CONCURRENTLY name ON partition (the same keys);\n"+
			"--   ALTER INDEX %s ATTACH PARTITION name;\n"+
			"-- or, if no query needs it:\n-- DROP INDEX %s;", x.Name, quoted(x.Schema, x.Name), quoted(x.Schema, x.Name))
		f.Undo = "-- Nothing to undo for a comment; an attached index is dropped only with the partitioned index."
		if len(partitions) == 0 {
			f.caveat("The snapshot does not say which tables are partitions of %s, or it has none: list them with "+
				"pg_partition_tree('%s').", x.QualifiedTable(), quoted(x.Schema, x.Table))
		}
	}
	return f
}

// partitionGaps returns the direct partitions of x's table without an index
// attached to x, the attached indexes that are not valid, and all the
// partitions the snapshot knows of.
func partitionGaps(a *analysis, x IndexStats) (lacking []TableStats, invalid []IndexStats, partitions []TableStats) {
	kids := partitionIndexes(a, x)
	for _, t := range a.s.Tables {
		if t.PartitionOf != x.QualifiedTable() {
			continue
		}
		partitions = append(partitions, t)
		i := slices.IndexFunc(kids, func(y IndexStats) bool { return y.QualifiedTable() == t.Qualified() })
		switch {
		case i < 0:
			lacking = append(lacking, t)
		case !kids[i].Valid:
			invalid = append(invalid, kids[i])
		}
	}
	return lacking, invalid, partitions
}

// attachSQL builds, for each partition lacking one, an index with x's keys
// and attaches it to x. A partition that is partitioned in turn gets its own
// index ON ONLY, to be completed the same way one level down.
func attachSQL(a *analysis, x IndexStats, lacking []TableStats) string {
	sh, _ := shapeOf(x)
	cols := make([]string, len(sh.keys))
	for i, k := range sh.keys {
		cols[i] = cmp.Or(k, "expr")
	}
	var b strings.Builder
	for _, t := range lacking {
		name := a.indexNames().choose(t.Schema, t.Name, cols)
		build, ok := rewriteIndexDef(x.Definition, func(is *pg_query.IndexStmt) {
			is.Idxname = name
			is.Relation.Schemaname, is.Relation.Relname, is.Relation.Inh = t.Schema, t.Name, !t.Partitioned
			is.Concurrent = !t.Partitioned
		})
		if !ok {
			build = fmt.Sprintf("-- CREATE INDEX CONCURRENTLY %s ON %s (the keys of %s)", quoted("", name), quoted(t.Schema, t.Name), x.Name)
		}
		fmt.Fprintf(&b, "%s;\nALTER INDEX %s ATTACH PARTITION %s;\n", build, quoted(x.Schema, x.Name), quoted(t.Schema, name))
		if t.Partitioned {
			fmt.Fprintf(&b, "-- %s is partitioned too: %s stays not valid until each of its partitions has an index attached "+
				"to it the same way.\n", t.Qualified(), name)
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// reattachUndo goes back to x as it is: an attached index cannot be detached
// or dropped alone, so it drops x with every index attached to it, creates x
// again ON ONLY and builds and attaches again the indexes attached now.
func reattachUndo(a *analysis, x IndexStats) string {
	if x.Constraint != "" {
		return fmt.Sprintf("-- An index attached to %s cannot be detached or dropped alone, and %s backs constraint %s: "+
			"going back means dropping and adding that constraint again.", x.Name, x.Name, x.Constraint)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "-- An index attached to a partitioned index cannot be detached or dropped alone: drop %s with every index "+
		"attached to it and create it again as it is now.\nDROP INDEX %s;\n%s;", x.Name, quoted(x.Schema, x.Name),
		strings.TrimRight(strings.TrimSpace(x.Definition), ";"))
	for _, y := range partitionIndexes(a, x) {
		if y.Partitioned {
			fmt.Fprintf(&b, "\n-- %s is partitioned: rebuild its own attached indexes the same way before attaching it.", y.Qualified())
		}
		build := concurrently(y.Definition)
		if y.Partitioned {
			build = strings.TrimRight(strings.TrimSpace(y.Definition), ";") + ";"
		}
		fmt.Fprintf(&b, "\n%s\nALTER INDEX %s ATTACH PARTITION %s;", build, quoted(x.Schema, x.Name), quoted(y.Schema, y.Name))
	}
	return b.String()
}

func tableNames(ts []TableStats) string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Qualified()
	}
	return strings.Join(out, ", ")
}

func indexNames(xs []IndexStats) string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = x.Qualified()
	}
	return strings.Join(out, ", ")
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
