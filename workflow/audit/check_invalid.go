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
// follow. The remediation completes the whole partition tree in one pass
// (see completion).
func invalidPartitionedFinding(a *analysis, x IndexStats) Finding {
	sev := workflow.SeverityWarning
	if x.Primary || x.Unique || x.Constraint != "" {
		sev = workflow.SeverityError
	}
	f := finding(sev, x.Qualified(), a.pointInTime)
	lacking, invalid, partitions := partitionGaps(a, x)
	plan := completePartitions(a, x)
	f.ev("Table", x.QualifiedTable()+" (partitioned)")
	f.ev("Partitions", count(int64(len(partitions))))
	f.ev("Partitions without an index attached", orNo(tableNames(lacking)))
	if len(invalid) > 0 {
		f.ev("Attached indexes not valid", orNo(indexNames(invalid)))
	}
	if len(plan.reused) > 0 {
		f.ev("Partitions' own indexes with the same definition", indexNames(plan.reused))
	}
	f.ev("Unique / primary", yesNo(x.Unique)+" / "+yesNo(x.Primary))
	f.ev("Backs constraint", orNo(x.Constraint))
	f.ev("Definition", x.Definition)
	f.Why = "A partitioned index holds no rows itself: each partition's own index, attached to it, does. It stays not valid " +
		"until every partition has a valid index attached, as CREATE INDEX ... ON ONLY leaves it (the first step of building " +
		"an index on a partitioned table without blocking writes) until the partitions follow: a rebuild does not change that. " +
		"A partition that is partitioned in turn needs the same at its own level first."
	if x.Unique || x.Primary || x.Constraint != "" {
		f.Why += " While it is not valid, the uniqueness it should guarantee is not enforced on the partitions without an index."
	}
	switch {
	case len(partitions) > 0 && plan.sql.Len() > 0:
		f.Message = completionMessage(x, lacking, invalid, partitions, plan)
		f.Remediation = strings.TrimSuffix(plan.sql.String(), "\n") +
			fmt.Sprintf("\n-- or, if no query needs it:\n-- DROP INDEX %s;", quoted(x.Schema, x.Name))
		f.Undo = reattachUndo(a, x, plan.reused)
		f.caveat("ALTER INDEX ... ATTACH PARTITION is quick, and each level is attached after the one below it, so the last " +
			"one makes the partitioned index valid.")
		if plan.builds > 0 {
			f.caveat("CREATE INDEX CONCURRENTLY reads each partition in full.")
		}
		if len(plan.reused) > 0 {
			f.caveat("%s already %s the definition of %s and %s attached instead of building another: PostgreSQL accepts "+
				"an index for ATTACH PARTITION only with the same access method, keys, operator classes, collations, "+
				"expressions, predicate and uniqueness.", indexNames(plan.reused), plural(len(plan.reused), "has", "have"),
				x.Name, plural(len(plan.reused), "is", "are"))
		}
		planCaveats(&f, plan)
	case len(partitions) > 0 && len(plan.blocked) > 0:
		f.Message = fmt.Sprintf("%s is a partitioned index that is not valid because %s, attached in its partition tree, %s not valid: fix %s "+
			"(see %s own finding) and it becomes valid.", x.Qualified(), indexNames(plan.blocked), plural(len(plan.blocked), "is", "are"),
			plural(len(plan.blocked), "it", "them"), plural(len(plan.blocked), "its", "their"))
		f.Remediation = fmt.Sprintf("-- Make %s valid first.\n-- or, if no query needs it:\n-- DROP INDEX %s;",
			indexNames(plan.blocked), quoted(x.Schema, x.Name))
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

// completionMessage says what is missing under an incomplete partitioned
// index and what the remediation does about it.
func completionMessage(x IndexStats, lacking []TableStats, invalid []IndexStats, partitions []TableStats, plan *completion) string {
	var gaps []string
	if len(lacking) > 0 {
		gaps = append(gaps, fmt.Sprintf("%s of %s %s no index attached to it (%s)", count(int64(len(lacking))),
			nOf(int64(len(partitions)), "partition", "partitions"), plural(len(lacking), "has", "have"), tableNames(lacking)))
	}
	if len(invalid) > 0 {
		gaps = append(gaps, fmt.Sprintf("%s, attached to it, %s not valid", indexNames(invalid), plural(len(invalid), "is", "are")))
	}
	msg := fmt.Sprintf("%s is a partitioned index that is not valid: %s. Build one on each partition that lacks one, "+
		"without blocking writes and at every level of sub-partitioning, and attach it", x.Qualified(), strings.Join(gaps, ", and "))
	if len(plan.reused) > 0 {
		msg += fmt.Sprintf(", or attach the partition's own index with the same definition (%s)", indexNames(plan.reused))
	}
	return msg + "."
}

// planCaveats adds what the completion cannot do itself.
func planCaveats(f *Finding, plan *completion) {
	if len(plan.blocked) > 0 {
		f.caveat("%s, attached at a lower level, %s not valid: rebuild %s (see %s own finding), or the partitioned index "+
			"stays not valid.", indexNames(plan.blocked), plural(len(plan.blocked), "is", "are"),
			plural(len(plan.blocked), "it", "them"), plural(len(plan.blocked), "its", "their"))
	}
	if len(plan.unknown) > 0 {
		f.caveat("The snapshot lists no partitions of %s: if %s any, give each an index attached the same way "+
			"(pg_partition_tree lists them).", strings.Join(plan.unknown, ", "), plural(len(plan.unknown), "it has", "they have"))
	}
}

// partitionGaps returns the direct partitions of x's table without an index
// attached to x, the attached indexes that are not valid, and all the
// partitions the snapshot knows of.
func partitionGaps(a *analysis, x IndexStats) (lacking []TableStats, invalid []IndexStats, partitions []TableStats) {
	kids := partitionIndexes(a, x)
	partitions = partitionsOf(a, x.QualifiedTable())
	for _, t := range partitions {
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

// partitionsOf returns the direct partitions of a table, as the snapshot
// lists them.
func partitionsOf(a *analysis, table string) []TableStats {
	var out []TableStats
	for _, t := range a.s.Tables {
		if t.PartitionOf == table {
			out = append(out, t)
		}
	}
	return out
}

// completion is the remediation of a partitioned index that is not valid:
// the statements that give every partition, at every level of
// sub-partitioning, a valid index attached to it. A partitioned partition
// gets an index ON ONLY it, completed the same way before it is attached,
// so that every ATTACH PARTITION comes after its own partitions' (the last
// one makes the whole tree valid; PostgreSQL validates each level upwards).
type completion struct {
	a *analysis
	// root is the index being completed; shape and cols are its shape and
	// key names (for the names of new indexes).
	root  IndexStats
	shape shape
	cols  []string
	sql   strings.Builder
	// reused lists the partitions' own indexes attached instead of a new
	// one being built.
	reused []IndexStats
	// blocked lists the attached indexes, not partitioned, that are not
	// valid: their own finding rebuilds them.
	blocked []IndexStats
	// unknown lists the partitioned partitions the snapshot lists no
	// partitions of.
	unknown []string
	// builds counts the indexes built CONCURRENTLY.
	builds int
}

// completePartitions plans the completion of x.
func completePartitions(a *analysis, x IndexStats) *completion {
	sh, _ := shapeOf(x)
	c := &completion{a: a, root: x, shape: sh, cols: make([]string, len(sh.keys))}
	for i, k := range sh.keys {
		c.cols[i] = cmp.Or(k, "expr")
	}
	c.complete(x)
	return c
}

// complete writes the statements that give each partition of parent's
// table a valid index attached to parent. An attached index that is
// partitioned and not valid is completed in turn; attaching its last
// partition's index makes it, and then parent, valid.
func (c *completion) complete(parent IndexStats) {
	kids := partitionIndexes(c.a, parent)
	parts := partitionsOf(c.a, parent.QualifiedTable())
	if len(parts) == 0 && parent.Qualified() != c.root.Qualified() {
		c.unknown = append(c.unknown, parent.QualifiedTable())
	}
	for _, t := range parts {
		i := slices.IndexFunc(kids, func(y IndexStats) bool { return y.QualifiedTable() == t.Qualified() })
		switch {
		case i >= 0 && kids[i].Valid:
		case i >= 0 && kids[i].Partitioned:
			c.complete(kids[i])
		case i >= 0:
			c.blocked = append(c.blocked, kids[i])
		default:
			c.provide(parent, t)
		}
	}
}

// provide gives partition t an index for parent, its own one with the same
// definition or a new one, complete, and attaches it.
func (c *completion) provide(parent IndexStats, t TableStats) {
	y, ok := c.own(t)
	switch {
	case ok:
		c.reused = append(c.reused, y)
		if y.Partitioned && !y.Valid {
			c.complete(y)
		}
	default:
		y = c.build(t)
		if t.Partitioned {
			c.complete(y)
		}
	}
	fmt.Fprintf(&c.sql, "ALTER INDEX %s ATTACH PARTITION %s;\n", quoted(parent.Schema, parent.Name), quoted(y.Schema, y.Name))
}

// own finds an index of partition t that ALTER INDEX ... ATTACH PARTITION
// accepts for the root: not attached to any, valid (or partitioned, to be
// completed), with the same access method, keys, operator classes,
// collations, expressions, predicate and uniqueness (PostgreSQL's
// CompareIndexInfo; the shape comparison is, if anything, stricter).
func (c *completion) own(t TableStats) (IndexStats, bool) {
	x := c.root
	for _, y := range c.a.indexesOn(t.Qualified()) {
		if y.ParentIndex != "" || y.BeingBuilt || y.Partitioned != t.Partitioned || !y.Valid && !y.Partitioned {
			continue
		}
		if y.Unique != x.Unique || y.Primary != x.Primary || (y.Constraint == "") != (x.Constraint == "") || y.Deferrable != x.Deferrable {
			continue
		}
		if ysh, ok := shapeOf(y); ok && sameKeys(c.shape, ysh) {
			return y, true
		}
	}
	return IndexStats{}, false
}

// build writes the statement that builds the root's index on partition t:
// CONCURRENTLY on a plain partition, ON ONLY a partitioned one (neither
// CONCURRENTLY nor anything else runs on a partitioned table without
// blocking writes, and ON ONLY builds nothing).
func (c *completion) build(t TableStats) IndexStats {
	name := c.a.indexNames().choose(t.Schema, t.Name, c.cols)
	stmt, ok := rewriteIndexDef(c.root.Definition, func(is *pg_query.IndexStmt) {
		is.Idxname = name
		is.Relation.Schemaname, is.Relation.Relname, is.Relation.Inh = t.Schema, t.Name, !t.Partitioned
		is.Concurrent = !t.Partitioned
	})
	if !ok {
		stmt = fmt.Sprintf("-- CREATE INDEX CONCURRENTLY %s ON %s (the keys of %s)", quoted("", name), quoted(t.Schema, t.Name), c.root.Name)
		if t.Partitioned {
			stmt = fmt.Sprintf("-- CREATE INDEX %s ON ONLY %s (the keys of %s)", quoted("", name), quoted(t.Schema, t.Name), c.root.Name)
		}
	}
	fmt.Fprintf(&c.sql, "%s;\n", stmt)
	if !t.Partitioned {
		c.builds++
	}
	return IndexStats{Schema: t.Schema, Table: t.Name, Name: name, Partitioned: t.Partitioned}
}

// reattachUndo goes back to the state before the completion of x: an
// attached index cannot be detached or dropped alone, so it drops x, which
// drops every index attached to it at every level (the ones the remediation
// built, and the partitions' own ones it attached), then creates x again ON
// ONLY with the indexes attached to it now, and the reused indexes again,
// not attached.
func reattachUndo(a *analysis, x IndexStats, reused []IndexStats) string {
	if x.Constraint != "" {
		return fmt.Sprintf("-- An index attached to %s cannot be detached or dropped alone, and %s backs constraint %s: "+
			"going back means dropping and adding that constraint again.", x.Name, x.Name, x.Constraint)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "-- An index attached to a partitioned index cannot be detached or dropped alone: drop %s with every index "+
		"attached to it, at every level, and create again what there was before.\nDROP INDEX %s;", x.Name, quoted(x.Schema, x.Name))
	recreate(a, &b, x, "")
	if len(reused) > 0 {
		fmt.Fprintf(&b, "\n-- Dropping %s dropped %s too, attached to it by the remediation: build %s again, not attached.",
			x.Name, indexNames(reused), plural(len(reused), "it", "them"))
	}
	for _, y := range reused {
		recreate(a, &b, y, "")
	}
	return b.String()
}

// recreate writes the statements that build y again as it is in the
// snapshot, with the indexes attached to it (each level attached after the
// one below it), and attach it to parent unless parent is "".
func recreate(a *analysis, b *strings.Builder, y IndexStats, parent string) {
	switch {
	case y.Partitioned:
		fmt.Fprintf(b, "\n%s", onOnly(y.Definition))
		for _, z := range partitionIndexes(a, y) {
			recreate(a, b, z, quoted(y.Schema, y.Name))
		}
	case !y.Valid:
		fmt.Fprintf(b, "\n-- %s was not valid: this builds it again valid.\n%s", y.Qualified(), concurrently(y.Definition))
	default:
		fmt.Fprintf(b, "\n%s", concurrently(y.Definition))
	}
	if parent != "" {
		fmt.Fprintf(b, "\nALTER INDEX %s ATTACH PARTITION %s;", parent, quoted(y.Schema, y.Name))
	}
}

// onOnly turns a partitioned index's definition into the statement that
// creates it on the partitioned table alone (ON ONLY), ending in a
// semicolon.
func onOnly(def string) string {
	out, ok := rewriteIndexDef(def, func(is *pg_query.IndexStmt) { is.Relation.Inh = false })
	if !ok {
		out = strings.TrimRight(strings.TrimSpace(def), ";")
	}
	return out + ";"
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
